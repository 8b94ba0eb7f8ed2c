/* The FAT reader (fat.h). Boot sector fields, by offset: bytes per sector
 * 11, sectors per cluster 13, reserved sectors 14, FAT count 16, root
 * entries 17, total sectors (16-bit) 19, FAT size (16-bit) 22, total
 * sectors (32-bit) 32; FAT32: FAT size 36, root cluster 44; 0x55AA at 510.
 * The type follows from the cluster count alone (< 4085: FAT12, < 65525:
 * FAT16, else FAT32), as the specification says. A directory entry is 32
 * bytes: name 0..10, attributes 11, cluster high 20 (FAT32), low 26, size 28. */
#include <stdlib.h>
#include <string.h>

#include "drivers/fs/fat.h"

#define ATTR_DIR 0x10
#define ATTR_VOLUME 0x08
#define ATTR_LFN 0x0F
#define MAX_NAME 255

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }

static bool power_of_two(uint32_t x) { return x != 0 && (x & (x - 1)) == 0; }

int fat_parse_boot_sector(struct fat_volume *v, const uint8_t *b, size_t len, uint64_t volume_bytes)
{
    if (len < 512 || b[510] != 0x55 || b[511] != 0xAA)
        return -1;
    uint32_t bps = le16(b + 11), spc = b[13], reserved = le16(b + 14), fats = b[16];
    uint32_t root_entries = le16(b + 17);
    uint64_t total = le16(b + 19) != 0 ? le16(b + 19) : le32(b + 32);
    uint32_t fat_size = le16(b + 22) != 0 ? le16(b + 22) : le32(b + 36);
    if (bps < 512 || bps > 4096 || !power_of_two(bps) || !power_of_two(spc) || (uint64_t)bps * spc > 65536)
        return -1;
    if (reserved == 0 || fats == 0 || fats > 4 || fat_size == 0 || total == 0 || total * bps > volume_bytes)
        return -1;
    uint32_t root_sectors = (root_entries * 32 + bps - 1) / bps;
    uint64_t meta = (uint64_t)reserved + (uint64_t)fats * fat_size + root_sectors;
    if (meta >= total)
        return -1;
    uint64_t clusters = (total - meta) / spc;
    v->type = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
    if (clusters == 0 || clusters > 0x0FFFFFF5 || (v->type == 32) != (root_entries == 0))
        return -1;
    /* the FAT must hold an entry for every cluster */
    uint64_t fat_bytes_needed = v->type == 12 ? (clusters + 2) * 3 / 2 + 1 : (clusters + 2) * (uint64_t)(v->type / 8);
    if ((uint64_t)fat_size * bps < fat_bytes_needed)
        return -1;
    v->sector_size = bps;
    v->sectors_per_cluster = spc;
    v->cluster_size = bps * spc;
    v->fat_start = reserved;
    v->fat_sectors = fat_size;
    v->root_start = reserved + (uint64_t)fats * fat_size;
    v->root_sectors = root_sectors;
    v->data_start = meta;
    v->clusters = (uint32_t)clusters;
    v->root_cluster = v->type == 32 ? le32(b + 44) : 0;
    if (v->type == 32 && (v->root_cluster < 2 || v->root_cluster >= v->clusters + 2))
        return -1;
    return 0;
}

int fat_mount(struct fat_volume *v, fat_read_fn read, void *ctx, uint32_t sector_size, uint64_t volume_bytes)
{
    memset(v, 0, sizeof(*v));
    v->read = read;
    v->ctx = ctx;
    uint8_t *boot = malloc(sector_size);
    int rc = boot != NULL && read(ctx, 0, 1, boot) == 0 ? fat_parse_boot_sector(v, boot, sector_size, volume_bytes) : -1;
    free(boot);
    if (rc == 0 && v->sector_size != sector_size)
        rc = -1;   /* the volume's sectors must be the device's: reads are in whole sectors */
    if (rc == 0 && (v->sector_buf = malloc(v->sector_size)) == NULL)
        rc = -1;
    if (rc != 0) {
        v->read = NULL;
        return -1;
    }
    return 0;
}

void fat_unmount(struct fat_volume *v)
{
    free(v->sector_buf);
    memset(v, 0, sizeof(*v));
}

static const uint8_t *sector_at(struct fat_volume *v, uint64_t sector)
{
    if (v->cache_valid && v->cached_sector == sector)
        return v->sector_buf;
    v->cache_valid = false;
    if (v->read(v->ctx, sector, 1, v->sector_buf) != 0)
        return NULL;
    v->cached_sector = sector;
    v->cache_valid = true;
    return v->sector_buf;
}

/* The FAT entry of cluster c: the next cluster, or 0 at the end of the
 * chain, or -1 when the entry is free, bad, or names no cluster. */
static int64_t next_cluster(struct fat_volume *v, uint32_t c)
{
    uint64_t off = v->type == 12 ? c + c / 2 : (uint64_t)c * (v->type / 8);
    uint32_t value = 0;
    for (unsigned i = 0; i < (unsigned)(v->type == 32 ? 4 : 2); i++) {   /* FAT12 entries may span sectors */
        const uint8_t *s = sector_at(v, v->fat_start + (off + i) / v->sector_size);
        if (s == NULL)
            return -1;
        value |= (uint32_t)s[(off + i) % v->sector_size] << (8 * i);
    }
    if (v->type == 12)
        value = c & 1 ? value >> 4 : value & 0xFFF;
    else if (v->type == 32)
        value &= 0x0FFFFFFF;
    uint32_t eoc = v->type == 12 ? 0xFF8 : v->type == 16 ? 0xFFF8 : 0x0FFFFFF8;
    if (value >= eoc)
        return 0;
    if (value < 2 || value >= v->clusters + 2)
        return -1;
    return value;
}

static bool valid_cluster(const struct fat_volume *v, uint32_t c) { return c >= 2 && c < v->clusters + 2; }

/* The cluster holding byte `offset` of a chain starting at first, walking
 * on from the file's last position when it lies before. */
static int64_t cluster_at(struct fat_volume *v, struct fat_file *f, uint64_t offset)
{
    uint32_t index = (uint32_t)(offset / v->cluster_size), c = f->first_cluster, at = 0;
    if (f->pos_cluster != 0 && f->pos_index <= index)
        c = f->pos_cluster, at = f->pos_index;
    if (!valid_cluster(v, c))
        return -1;
    for (; at < index; at++) {
        if (at > v->clusters)
            return -1;   /* longer than the volume: a loop */
        int64_t n = next_cluster(v, c);
        if (n <= 0)
            return -1;   /* the chain ends before the file does */
        c = (uint32_t)n;
    }
    f->pos_index = index, f->pos_cluster = c;
    return c;
}

long fat_pread(struct fat_volume *v, struct fat_file *f, void *buf, size_t len, uint64_t offset)
{
    if (f->is_dir || offset >= f->size)
        return 0;
    if (len > f->size - offset)
        len = (size_t)(f->size - offset);
    size_t done = 0;
    while (done < len) {
        int64_t c = cluster_at(v, f, offset + done);
        if (c < 0)
            return -1;
        uint32_t in_cluster = (uint32_t)((offset + done) % v->cluster_size);
        uint64_t sector = v->data_start + (uint64_t)(c - 2) * v->sectors_per_cluster + in_cluster / v->sector_size;
        uint32_t in_sector = in_cluster % v->sector_size;
        const uint8_t *s = sector_at(v, sector);
        if (s == NULL)
            return -1;
        size_t n = v->sector_size - in_sector < len - done ? v->sector_size - in_sector : len - done;
        memcpy((uint8_t *)buf + done, s + in_sector, n);
        done += n;
    }
    return (long)done;
}

/* ---- directories ---- */

static uint8_t short_checksum(const uint8_t *name)
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
    return sum;
}

/* "HVRT    CFG" -> "HVRT.CFG" */
static void short_name(const uint8_t *e, char *out)
{
    int k = 0;
    for (int i = 0; i < 8 && e[i] != ' '; i++)
        out[k++] = (char)(i == 0 && e[0] == 0x05 ? 0xE5 : e[i]);
    if (e[8] != ' ') {
        out[k++] = '.';
        for (int i = 8; i < 11 && e[i] != ' '; i++)
            out[k++] = (char)e[i];
    }
    out[k] = '\0';
}

static bool same_name(const char *a, const char *b, size_t blen)
{
    size_t i = 0;
    for (; i < blen && a[i] != '\0'; i++) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z')
            x = (char)(x - 32);
        if (y >= 'a' && y <= 'z')
            y = (char)(y - 32);
        if (x != y)
            return false;
    }
    return i == blen && a[i] == '\0';
}

/* Long-name assembly across the entries before a short entry. */
struct lfn {
    char name[MAX_NAME + 1];
    uint8_t checksum;
    int expect;                 /* next sequence number expected, 0: none in progress */
    bool valid;
};

static void lfn_take(struct lfn *l, const uint8_t *e)
{
    static const uint8_t at[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    int seq = e[0] & 0x1F;
    if (e[0] & 0x40) {
        l->expect = seq, l->checksum = e[13], l->valid = seq >= 1 && seq <= 20;
        memset(l->name, 0, sizeof(l->name));
    } else if (seq != l->expect || e[13] != l->checksum) {
        l->valid = false;
    }
    if (!l->valid)
        return;
    for (int i = 0; i < 13; i++) {
        uint16_t ch = le16(e + at[i]);
        int pos = (seq - 1) * 13 + i;
        if (ch == 0 || ch == 0xFFFF || pos >= MAX_NAME)
            break;
        l->name[pos] = ch < 0x80 ? (char)ch : '?';
    }
    l->expect = seq - 1;
}

/* Finds name (namelen bytes) in directory dir. 0 with *out, or -1. */
static int lookup(struct fat_volume *v, const struct fat_file *dir, const char *name, size_t namelen,
                  struct fat_file *out)
{
    struct lfn l = { .valid = false };
    uint32_t c = dir->first_cluster;
    bool fixed_root = c == 0;
    uint64_t limit = fixed_root ? (uint64_t)v->root_sectors * v->sector_size / 32
                                : (uint64_t)v->clusters * v->cluster_size / 32;
    for (uint64_t i = 0; i < limit; i++) {
        uint64_t byte = i * 32;
        uint64_t sector;
        if (fixed_root) {
            sector = v->root_start + byte / v->sector_size;
        } else {
            uint32_t in_cluster = (uint32_t)(byte % v->cluster_size);
            if (i > 0 && in_cluster == 0) {
                int64_t n = next_cluster(v, c);
                if (n <= 0)
                    return -1;   /* end of the directory (or a broken chain) */
                c = (uint32_t)n;
            }
            if (!valid_cluster(v, c))
                return -1;
            sector = v->data_start + (uint64_t)(c - 2) * v->sectors_per_cluster + in_cluster / v->sector_size;
        }
        const uint8_t *s = sector_at(v, sector);
        if (s == NULL)
            return -1;
        const uint8_t *e = s + byte % v->sector_size;
        if (e[0] == 0x00)
            return -1;   /* no entries after this one */
        if (e[0] == 0xE5) {
            l.valid = false;
            continue;
        }
        if ((e[11] & 0x3F) == ATTR_LFN) {
            lfn_take(&l, e);
            continue;
        }
        bool long_ok = l.valid && l.expect == 0 && l.checksum == short_checksum(e);
        l.valid = false;
        if (e[11] & ATTR_VOLUME)
            continue;
        char sn[13];
        short_name(e, sn);
        if (!same_name(sn, name, namelen) && !(long_ok && same_name(l.name, name, namelen)))
            continue;
        out->first_cluster = (uint32_t)le16(e + 26) | (v->type == 32 ? (uint32_t)le16(e + 20) << 16 : 0);
        out->is_dir = (e[11] & ATTR_DIR) != 0;
        out->size = out->is_dir ? 0 : le32(e + 28);
        out->pos_index = out->pos_cluster = 0;
        if (out->first_cluster == 0 && out->is_dir)
            out->first_cluster = v->type == 32 ? v->root_cluster : 0;   /* ".." of a top-level directory */
        if (out->first_cluster != 0 && !valid_cluster(v, out->first_cluster))
            return -1;
        if (out->first_cluster == 0 && out->size != 0)
            return -1;   /* data without clusters */
        return 0;
    }
    return -1;
}

int fat_open(struct fat_volume *v, const char *path, struct fat_file *f)
{
    struct fat_file cur = { .first_cluster = v->type == 32 ? v->root_cluster : 0, .is_dir = true };
    const char *p = path;
    for (;;) {
        while (*p == '/' || *p == '\\')
            p++;
        if (*p == '\0')
            break;
        size_t n = strcspn(p, "/\\");
        if (!cur.is_dir || n > MAX_NAME || lookup(v, &cur, p, n, &cur) != 0)
            return -1;
        p += n;
    }
    *f = cur;
    return 0;
}
