/* The GPT and FAT readers on volumes made by the real tools (mkfs.vfat,
 * mtools, sgdisk, and scripts/mkimage.sh for the boot disk), and on
 * damaged ones: a loop in a cluster chain, a chain shorter than its file,
 * a boot sector that lies about the volume, a GPT whose CRC is wrong. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "drivers/fs/fat.h"
#include "drivers/fs/gpt.h"

static int fd;
static uint64_t base;   /* byte offset of the volume in the file */
static uint32_t sector_size = 512;

static int file_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
    (void)ctx;
    size_t n = (size_t)count * sector_size;
    return pread(fd, buf, n, (off_t)(base + sector * sector_size)) == (ssize_t)n ? 0 : -1;
}

static int sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        printf("    command failed (%d): %s\n", rc, cmd);
    return rc;
}

/* A FAT volume of mib MiB with -F bits, holding a small file, a long-named
 * file in a subdirectory and a 300 KiB file of a known pattern. */
static const char *make_fat(int bits, int mib)
{
    static char dir[64];
    char cmd[1024];
    snprintf(dir, sizeof(dir), "/tmp/hvrt-fs-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return NULL;
    snprintf(cmd, sizeof(cmd),
             "cd %s && truncate -s %dM v.img && mkfs.vfat -F %d v.img >/dev/null && "
             "printf 'hello fat%d\\n' > hvrt.cfg && "
             "head -c 307200 /dev/zero | tr '\\0' 'x' > big.bin && "
             "printf 'deep' > 'A long file name.txt' && "
             "export MTOOLS_SKIP_CHECK=1 && mcopy -i v.img hvrt.cfg big.bin ::/ && mmd -i v.img ::/sub ::/sub/two && "
             "mcopy -i v.img 'A long file name.txt' ::/sub/two/", dir, mib, bits, bits);
    return sh(cmd) == 0 ? dir : NULL;
}

static void open_volume(const char *dir)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/v.img", dir);
    fd = open(path, O_RDWR);
    base = 0;
}

static void check_files(struct fat_volume *v, int bits)
{
    struct fat_file f;
    char buf[64];
    CHECK_EQ(fat_open(v, "hvrt.cfg", &f), 0);
    long n = fat_pread(v, &f, buf, sizeof(buf), 0);
    char want[32];
    snprintf(want, sizeof(want), "hello fat%d\n", bits);
    CHECK(n == (long)strlen(want) && memcmp(buf, want, n) == 0, "FAT%d: hvrt.cfg read (%ld)", bits, n);
    CHECK_EQ(fat_open(v, "\\HVRT.CFG", &f), 0);   /* case and separators do not matter */
    CHECK_EQ(fat_open(v, "/sub/two/a LONG file name.TXT", &f), 0);
    CHECK_EQ(fat_pread(v, &f, buf, sizeof(buf), 0), 4);
    CHECK(memcmp(buf, "deep", 4) == 0, "long-named file in a subdirectory");
    CHECK_EQ(fat_open(v, "sub/nothing", &f), -1);
    CHECK_EQ(fat_open(v, "hvrt.cfg/x", &f), -1);
    CHECK_EQ(fat_open(v, "big.bin", &f), 0);
    CHECK_EQ(f.size, 307200);
    static char big[307200 + 100];
    long total = 0, got;
    while ((got = fat_pread(v, &f, big + total, 7000, (uint64_t)total)) > 0)
        total += got;
    CHECK_EQ(total, 307200);
    bool all_x = true;
    for (long i = 0; i < total; i++)
        all_x &= big[i] == 'x';
    CHECK(all_x, "FAT%d: the big file, read in odd pieces", bits);
    CHECK_EQ(fat_pread(v, &f, big, 10, 307195), 5);
    CHECK_EQ(fat_pread(v, &f, big, 10, 307200), 0);
}

static void test_fat_12_16_32(void)
{
    static const int kinds[3][2] = { { 12, 2 }, { 16, 16 }, { 32, 40 } };
    for (int i = 0; i < 3; i++) {
        const char *dir = make_fat(kinds[i][0], kinds[i][1]);
        CHECK(dir != NULL, "volume made");
        if (dir == NULL)
            continue;
        open_volume(dir);
        struct fat_volume v;
        CHECK_EQ(fat_mount(&v, file_read, NULL, 512, (uint64_t)kinds[i][1] << 20), 0);
        CHECK_EQ(v.type, kinds[i][0]);
        check_files(&v, kinds[i][0]);
        fat_unmount(&v);
        close(fd);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        sh(cmd);
    }
}

/* Damage: the volume must refuse or fail the read, never hang or read
 * outside. */
static void test_fat_damaged(void)
{
    const char *dir = make_fat(16, 16);
    if (dir == NULL)
        return;
    open_volume(dir);
    struct fat_volume v;
    uint8_t boot[512];
    CHECK(pread(fd, boot, 512, 0) == 512, "boot sector");
    CHECK_EQ(fat_parse_boot_sector(&v, boot, 512, 1 << 20), -1);   /* says 16 MiB, the partition is 1 */
    uint8_t bad[512];
    memcpy(bad, boot, 512);
    bad[13] = 3;   /* sectors per cluster not a power of two */
    CHECK_EQ(fat_parse_boot_sector(&v, bad, 512, 16 << 20), -1);
    memcpy(bad, boot, 512);
    bad[510] = 0;
    CHECK_EQ(fat_parse_boot_sector(&v, bad, 512, 16 << 20), -1);
    CHECK_EQ(fat_mount(&v, file_read, NULL, 512, 16 << 20), 0);
    struct fat_file f;
    CHECK_EQ(fat_open(&v, "big.bin", &f), 0);
    /* the file's second cluster points back at its first: a loop; with a
     * directory entry that claims a huge size, the walk must stop */
    uint32_t c = f.first_cluster;
    uint8_t entry[2] = { (uint8_t)c, (uint8_t)(c >> 8) };
    CHECK(pwrite(fd, entry, 2, (off_t)(v.fat_start * 512 + (c + 1) * 2)) == 2, "FAT patched");
    v.cache_valid = false;
    static char big[307200];
    struct fat_file liar = f;
    liar.size = 0xFFFFFF00u;
    CHECK_EQ(fat_pread(&v, &liar, big, 512, (uint64_t)(v.clusters + 3) * v.cluster_size), -1);
    /* the chain ends early */
    uint8_t eoc[2] = { 0xFF, 0xFF };
    CHECK(pwrite(fd, eoc, 2, (off_t)(v.fat_start * 512 + c * 2)) == 2, "FAT patched");
    v.cache_valid = false;
    f.pos_index = f.pos_cluster = 0;
    CHECK_EQ(fat_pread(&v, &f, big, sizeof(big), 0), -1);
    fat_unmount(&v);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    sh(cmd);
}

/* The boot disk mkimage.sh makes: GPT, ESP (FAT32), \hvrt.cfg. */
static void test_gpt_and_the_boot_disk(void)
{
    char dir[64] = "/tmp/hvrt-gpt-XXXXXX", cmd[512];
    CHECK(mkdtemp(dir) != NULL, "temp dir");
    snprintf(cmd, sizeof(cmd), "cd %s && printf 'MZfake' > fake.efi && %s/scripts/mkimage.sh --formats raw "
             "--esp-mib 34 --disk-mib 36 --cmdline 'disk list' fake.efi . >/dev/null", dir, getenv("PWD"));
    if (sh(cmd) != 0)
        return;
    char path[128];
    snprintf(path, sizeof(path), "%s/hvrt.raw", dir);
    fd = open(path, O_RDWR);
    base = 0;
    uint64_t sectors = 36u * 2048, first = 0, last = 0;
    CHECK_EQ(gpt_locate_esp(file_read, NULL, 512, sectors, &first, &last), 0);
    CHECK_EQ(first, 2048);
    CHECK_EQ(last - first + 1, 34u * 2048);
    struct fat_volume v;
    base = first * 512;
    CHECK_EQ(fat_mount(&v, file_read, NULL, 512, (last - first + 1) * 512), 0);
    CHECK_EQ(v.type, 32);
    struct fat_file f;
    char buf[256] = { 0 };
    CHECK_EQ(fat_open(&v, "\\hvrt.cfg", &f), 0);
    CHECK(fat_pread(&v, &f, buf, sizeof(buf) - 1, 0) > 0 && strstr(buf, "\ndisk list\n") != NULL, "cfg: %s", buf);
    CHECK_EQ(fat_open(&v, "EFI/BOOT/BOOTX64.EFI", &f), 0);
    CHECK_EQ(f.size, 6);
    fat_unmount(&v);
    /* primary header damaged: the backup at the end is used */
    base = 0;
    uint8_t junk = 0x55;
    CHECK(pwrite(fd, &junk, 1, 512 + 40) == 1, "primary header damaged");
    CHECK_EQ(gpt_locate_esp(file_read, NULL, 512, sectors, &first, &last), 0);
    CHECK_EQ(first, 2048);
    /* both damaged: no ESP */
    CHECK(pwrite(fd, &junk, 1, (off_t)(sectors - 1) * 512 + 40) == 1, "backup header damaged");
    CHECK_EQ(gpt_locate_esp(file_read, NULL, 512, sectors, &first, &last), -1);
    close(fd);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    sh(cmd);
}

int main(void)
{
    RUN_TEST(test_fat_12_16_32);
    RUN_TEST(test_fat_damaged);
    RUN_TEST(test_gpt_and_the_boot_disk);
    return check_summary();
}
