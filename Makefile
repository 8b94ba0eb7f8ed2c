# hvrt: build the EFI image, boot it in QEMU, run the tests.
#   make run [ARGS="app args ; app2"]   build and boot: KVM with hv-* where it works, else
#                                       against hvsim; HOST=qemu for plain QEMU+OVMF
#   make test [T=ERE]                   every test case (or those matching ERE), one line
#                                       each; ends with "N passed, N failed"
#   make bench                          figures (image size, boot times)
#   make coverage                       lines of vmbus/ and hyperv that no test runs
#   make efi                            just build/hvrt.efi
#   make image                          disk images (mk/image.mk)
#   make run-kvm                        the bare-metal path with KVM and hv-* flags
#   make run-hvsim [ARGS=...]           the image under QEMU against hvsim (the bridged platform)
# See README.md and docs/.

BUILD   := build
NEWLIB  := $(BUILD)/newlib/install/x86_64-elf
IMAGE   := $(BUILD)/hvrt.efi
ARGS    ?=
# Every app is in the default image: with all of them, lwIP and the disk
# stack it stays under 1 MiB and loads in a 48 MiB VM (docs/performance.md;
# `make bench` checks both). NET_IP_APPS pull lwIP in (mk/net.mk); the
# image without the network that `make bench` measures (under 256 KiB)
# leaves NET_APPS and DISK_APPS out.
NET_IP_APPS := httpd ping wget azure
NET_APPS    := netinfo $(NET_IP_APPS)
DISK_APPS   := disk
APPS    ?= $(notdir $(wildcard apps/*))

Q := $(if $(V),,@)   # make V=1 shows every command

CC_TARGET := clang --target=x86_64-elf
HOSTCC    := clang

WARN := -Wall -Wextra -Werror
# newlib 3.3.0 declares <pthread.h> only for targets that define these
# (docs/threads.md); the layout of its attribute structs depends on them,
# so the runtime and every app see the same set.
POSIX_THREADS := -D_POSIX_THREADS=1 -D_POSIX_TIMEOUTS=1 -D_UNIX98_THREAD_MUTEX_ATTRIBUTES=1
IMAGE_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-stack-protector -fpic \
    -fshort-wchar -mno-red-zone -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
    -ffunction-sections -fdata-sections \
    -fvisibility=hidden -D_POSIX_TIMERS=1 -D_POSIX_MONOTONIC_CLOCK=200112L $(POSIX_THREADS) -nostdlibinc -isystem $(NEWLIB)/include -I. -Iinclude
EFI_CFLAGS := -DGNU_EFI_USE_MS_ABI -isystem /usr/include/efi -isystem /usr/include/efi/x86_64
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=address,undefined \
    -fno-sanitize-recover=all -fno-omit-frame-pointer -I. -Iinclude

LDFLAGS_EFI := --apply-dynamic-relocs --no-undefined -nostdlib -znocombreloc -shared \
    -Bsymbolic --gc-sections --exclude-libs ALL -T linker/efi.lds
# No .dynsym: GNU-EFI's _relocate reads only .dynamic and .rela, whose
# entries are all R_X86_64_RELATIVE (no symbol), so the table would be
# dead weight in the file.
PE_SECTIONS := -j .text -j .sdata -j .data -j .dynamic -j .rel -j .rela \
    -j '.rel.*' -j '.rela.*' -j .reloc -j .bss

# The disk stack, linked only into images whose apps use it, built for
# size (its bytes against the image limits: docs/storage.md).
SIZE_OPT_DIRS := drivers/storvsc/% drivers/block/% drivers/fs/% apps/disk/%
RUNTIME_SRCS := $(wildcard boot/*.c arch/*.c arch/x86_64/*.c arch/x86_64/hyperv/*.c vmbus/*.c lib/*.c drivers/*/*.c) arch/x86_64/entry.S \
    arch/x86_64/context.S
APP_SRCS     := $(foreach a,$(APPS),$(wildcard apps/$(a)/*.c))
IMAGE_OBJS   := $(patsubst %,$(BUILD)/obj/%.o,$(RUNTIME_SRCS) $(APP_SRCS))

.PHONY: all efi run run-kvm run-hvsim test check-layers format-check unit-tests coverage bench deps newlib clean distclean
.DEFAULT_GOAL := all
all: efi

# Install what is missing (Debian packages); prints the apt-get line if not root.
deps:
	@scripts/install-deps.sh

# newlib is slow to build: once, cached under build/newlib.
newlib: $(NEWLIB)/lib/libc.a
$(NEWLIB)/lib/libc.a: scripts/build-newlib.sh | deps
	@scripts/build-newlib.sh $(BUILD)/newlib

efi: $(IMAGE)

$(BUILD)/obj/%.c.o: %.c $(NEWLIB)/lib/libc.a Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC_TARGET) $(IMAGE_CFLAGS) $(if $(filter boot/%,$<),$(EFI_CFLAGS)) $(if $(filter $(SIZE_OPT_DIRS),$<),-Os) \
	    -MMD -MP -c $< -o $@

$(BUILD)/obj/%.S.o: %.S Makefile
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC_TARGET) $(IMAGE_CFLAGS) -c $< -o $@

LINK = ld.lld $(LDFLAGS_EFI) /usr/lib/crt0-efi-x86_64.o $(IMAGE_OBJS) $(1) \
    --start-group $(NEWLIB)/lib/libc.a $(NEWLIB)/lib/libm.a --end-group \
    /usr/lib/libefi.a /usr/lib/libgnuefi.a -o $(2)

# Two links: the second embeds the function names of the first for
# backtraces. Code addresses cannot move (the table goes into .data, after
# .text); the check below proves it on every build.
# Which apps are in is part of the link: a different APPS relinks.
APPS_STAMP := $(BUILD)/apps.stamp
$(APPS_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(APPS)' | cmp -s - $@ || echo '$(APPS)' > $@
.PHONY: FORCE
FORCE:

$(BUILD)/hvrt.so: $(IMAGE_OBJS) linker/efi.lds scripts/gen-symtab.sh $(APPS_STAMP)
	@mkdir -p $(BUILD)/symtab
	@echo "  LD      $@ (two passes: the second embeds the symbol table)"
	$(Q)scripts/gen-symtab.sh > $(BUILD)/symtab/empty.c
	$(Q)$(CC_TARGET) $(IMAGE_CFLAGS) -c $(BUILD)/symtab/empty.c -o $(BUILD)/symtab/empty.o
	$(Q)$(call LINK,$(BUILD)/symtab/empty.o,$(BUILD)/hvrt-pass1.so)
	$(Q)scripts/gen-symtab.sh $(BUILD)/hvrt-pass1.so > $(BUILD)/symtab/symtab.c
	$(Q)$(CC_TARGET) $(IMAGE_CFLAGS) -c $(BUILD)/symtab/symtab.c -o $(BUILD)/symtab/symtab.o
	$(Q)$(call LINK,$(BUILD)/symtab/symtab.o,$@)
	@scripts/gen-symtab.sh $@ | cmp -s - $(BUILD)/symtab/symtab.c || \
	    { echo "error: code moved between the two links; backtraces would lie" >&2; exit 1; }

$(IMAGE): $(BUILD)/hvrt.so
	@echo "  PE      $@"
	$(Q)objcopy $(PE_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@
	@echo "image: $@ ($$(stat -c %s $@) bytes)"

# hvsim in its own process (the bridged platform), and what it runs by default.
HVSIM_BRIDGE := $(BUILD)/host/hvsim-bridge
HVSIM_ARGS ?= vmbus-info ; echo 200

# make run: the most telling boot this machine allows (scripts/run.sh says
# which and why in its first line): KVM with the Hyper-V enlightenments
# where KVM takes them, else the image against hvsim; HOST=kvm, HOST=hvsim
# or HOST=qemu (plain QEMU/OVMF, no Hyper-V) to choose. ARGS goes through in
# single quotes, so that ";" between apps reaches the image. Every run
# target exits with the image's exit status (make then says "Error N").
HOST ?=
run: $(IMAGE) $(HVSIM_BRIDGE)
	@scripts/run.sh --host '$(HOST)' --bridge '$(BRIDGE)' --kvm-default '$(KVM_ARGS)' \
	    --hvsim-default '$(HVSIM_ARGS)' $(IMAGE) '$(ARGS)'

# The bare-metal path: real Hyper-V enlightenments from KVM (a clear skip
# where KVM is missing or refuses them, scripts/kvm-probe.sh). By default
# runs the enlightenment tests.
KVM_ARGS ?= hvtest all --testdev ; vmbus-info ; hello
run-kvm: $(IMAGE)
	@scripts/qemu-run.sh --kvm --interactive $(IMAGE) '$(or $(ARGS),$(KVM_ARGS))'

# Host unit tests, under ASan and UBSan.
.SECONDEXPANSION:
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
# hvsim, the simulated host: its own files only (docs/hvsim.md, "What is
# independent"); hvsim-check below fails the build if one includes a guest header.
HVSIM_SRCS := $(wildcard tests/hvsim/*.c)
test_format_SRCS     := arch/format.c
test_page_alloc_SRCS := lib/page_alloc.c
test_cmdline_SRCS    := lib/cmdline.c arch/format.c
test_convert_SRCS    := boot/convert.c
test_acpi_SRCS       := arch/x86_64/acpi.c
test_symbols_SRCS    := lib/symbols.c
test_smbios_SRCS     := lib/smbios.c
HYPERV_SRCS := $(filter-out %_metal.c %_bridge.c,$(wildcard arch/x86_64/hyperv/*.c))
THREAD_SRCS := lib/thread.c lib/sync.c lib/dpc.c arch/x86_64/context.c arch/x86_64/context.S
HOSTED_SRCS := $(HYPERV_SRCS) tests/hosted/hosted.c $(HVSIM_SRCS) lib/page_alloc.c arch/format.c arch/kprintf.c \
    $(THREAD_SRCS)
test_hyperv_SRCS     := $(HOSTED_SRCS)
test_threads_SRCS    := $(HOSTED_SRCS)
test_hvtest_SRCS     := $(HOSTED_SRCS) $(filter-out %_testdev.c,$(wildcard apps/hvtest/*.c)) tests/hosted/loopback_hvsim.c
VMBUS_SRCS  := $(wildcard vmbus/*.c) tests/hosted/vmbus_fixture.c
test_vmbus_SRCS      := $(HOSTED_SRCS) $(VMBUS_SRCS)
# Every KMCL test (test_kmcl*.c) links the same.
$(foreach t,$(filter test_kmcl%,$(UNIT_TESTS)),$(eval $(t)_SRCS := $(HOSTED_SRCS) $(VMBUS_SRCS)))
test_apps_vmbus_SRCS := $(HOSTED_SRCS) $(VMBUS_SRCS) $(wildcard apps/echo/*.c apps/vmbus-info/*.c)
test_ic_SRCS         := $(HOSTED_SRCS) $(VMBUS_SRCS) $(wildcard apps/ic/*.c)
test_integrity_SRCS  := $(HOSTED_SRCS) $(VMBUS_SRCS)
test_faults_SRCS     := $(HOSTED_SRCS) $(VMBUS_SRCS)
DRIVER_SRCS := $(wildcard drivers/netvsc/*.c)
test_netvsc_SRCS     := $(HOSTED_SRCS) $(VMBUS_SRCS) $(DRIVER_SRCS) $(wildcard apps/netinfo/*.c)
test_netvsc_tap_SRCS := $(HOSTED_SRCS) $(VMBUS_SRCS) $(DRIVER_SRCS)
test_hosts_SRCS      := $(HOSTED_SRCS) $(VMBUS_SRCS)
STORVSC_SRCS := $(wildcard drivers/storvsc/*.c drivers/block/*.c drivers/fs/*.c)
# The driver blocks on hvrt's semaphores: the hosted tests link them (not glibc's).
STORVSC_SRCS += lib/semaphore.c tests/unit/hosted_posix_time.c
test_storvsc_SRCS    := $(HOSTED_SRCS) $(VMBUS_SRCS) $(STORVSC_SRCS) $(wildcard apps/disk/*.c)
test_fs_SRCS         := drivers/fs/fat.c drivers/fs/gpt.c
HVSOCK_SRCS := $(wildcard drivers/hvsock/*.c) lib/semaphore.c tests/unit/hosted_posix_time.c
test_hvsock_SRCS     := $(HOSTED_SRCS) $(VMBUS_SRCS) $(HVSOCK_SRCS) $(wildcard apps/hvsock-echo/*.c)
# hvsock-echo starts a pthread per connection: hvrt's threads, as in the image.
test_hvsock_SRCS     += tests/unit/hosted_pthread.c
test_hvsock_LDFLAGS  := -Wl,--wrap=pthread_create -Wl,--wrap=pthread_join -Wl,--wrap=pthread_detach
test_ring_SRCS       := vmbus/ring.c
test_gpadl_msgs_SRCS := vmbus/gpadl_msgs.c
$(foreach t,$(filter test_hvsim_%,$(UNIT_TESTS)),$(eval $(t)_SRCS := $(HVSIM_SRCS)))
# Their mini guests use the guest's ring and GPADL code against hvsim's own.
test_hvsim_vmbus_SRCS += vmbus/ring.c vmbus/gpadl_msgs.c
test_hvsim_ic_SRCS    += vmbus/ring.c vmbus/gpadl_msgs.c
test_hvsim_hvsock_SRCS += vmbus/ring.c vmbus/gpadl_msgs.c

# hvsim is an independent witness: no hvsim file may include a guest header
# (vmbus/, arch/, drivers/, lib/, include/hvrt/). Each hvsim source is
# compiled with an include path that reaches tests/hvsim/ and nothing of the
# guest, and a grep catches a quoted include that could still resolve. The
# *_test_guest.h headers are the unit tests' mini guests, not hvsim.
HVSIM_CHECK := $(BUILD)/host/hvsim-independent.stamp
HVSIM_HDRS  := $(filter-out %_test_guest.h,$(wildcard tests/hvsim/*.h))
$(HVSIM_CHECK): $(HVSIM_SRCS) $(HVSIM_HDRS)
	@mkdir -p $(BUILD)/host/hvsim-inc/tests
	@ln -sfn $(CURDIR)/tests/hvsim $(BUILD)/host/hvsim-inc/tests/hvsim
	@echo "  CHECK   hvsim includes no guest header"
	$(Q)! grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<](vmbus|arch|drivers|lib|apps|boot|include|hvrt)/' \
	    $(HVSIM_SRCS) $(HVSIM_HDRS) || { echo "error: hvsim includes a guest header (above)" >&2; exit 1; }
	$(Q)for f in $(HVSIM_SRCS); do \
	    $(HOSTCC) -std=gnu11 $(WARN) -fsyntax-only -I$(BUILD)/host/hvsim-inc $$f || \
	    { echo "error: $$f does not build without the guest's headers" >&2; exit 1; }; done
	@touch $@

# The dependency file covers every source of the program (-MMD on a
# many-source compile keeps only the last source's headers) and names only
# headers: the rule lists the sources, so a source that moves leaves no
# stale name behind.
DEPS_HEADERS_ONLY = sed -E ':a; s/(^|[[:space:]])[^[:space:]:]+\.[cS]([[:space:]]|$$)/\1\2/; ta' $@.d.all > $@.d
$(BUILD)/host/%: tests/unit/%.c $$($$*_SRCS) $(HVSIM_CHECK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $($*_CFLAGS) -MM -MP -MT $@ $(filter %.c %.S,$< $($*_SRCS)) > $@.d.all && \
	    $(DEPS_HEADERS_ONLY)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $($*_CFLAGS) $< $($*_SRCS) -o $@ $($*_LDFLAGS) -lpthread

unit-tests: $(addprefix $(BUILD)/host/,$(UNIT_TESTS))

# The sources a unit test links (the mutation check builds its own copies).
print-srcs:
	@echo $($(T)_SRCS)

# The bridged platform's host side: hvsim in its own process, under the
# same sanitizers as the hosted tests.
$(HVSIM_BRIDGE): tests/bridge/hvsim_bridge.c $(HVSIM_SRCS) $(HVSIM_CHECK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -MM -MP -MT $@ $(filter %.c,$^) > $@.d.all && $(DEPS_HEADERS_ONLY)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(filter %.c,$^) -o $@

# make run-hvsim [ARGS="app args"] [BRIDGE="hvsim-bridge options"]
run-hvsim: $(IMAGE) $(HVSIM_BRIDGE)
	@scripts/run-hvsim.sh --bridge '$(BRIDGE)' $(IMAGE) '$(or $(ARGS),$(HVSIM_ARGS))'

# The image's own boot disk (GPT, FAT32 ESP, \hvrt.cfg), for hvsim-bridge
# --disk (the bridged case esp-through-storvsc): make build/bridge-disk/hvrt.raw
# run-hvsim BRIDGE="--disk build/bridge-disk/hvrt.raw:ro" ARGS="disk cat /esp/hvrt.cfg"
BRIDGE_DISK := $(BUILD)/bridge-disk/hvrt.raw
$(BRIDGE_DISK): $(IMAGE) scripts/mkimage.sh | deps
	@scripts/mkimage.sh --formats raw --esp-mib 34 --disk-mib 36 --cmdline "disk cat /esp/hvrt.cfg" \
	    $(IMAGE) $(dir $@) > /dev/null

# The include rules between the layers (scripts/check-layers.sh): arch/
# includes nothing from lib/ or include/hvrt/, vmbus/ only arch's neutral
# headers, drivers/ only the public API. make test runs it.
check-layers:
	@scripts/check-layers.sh

# The C lines changed since .clang-format last changed must be as
# clang-format-14 writes them (scripts/format-check.sh). make test runs it
# as advisory: a difference is a skip line, not a failure.
format-check:
	@scripts/format-check.sh

# make test [T=ERE]: every test case, one line each; T= runs the cases whose
# program, suite (boot, layers, format, bridged, fuzz, mutation, image) or case name matches ERE.
T ?=
test: deps $(IMAGE) unit-tests $(HVSIM_BRIDGE) $(BRIDGE_DISK)
	@HVRT_FUZZ_TARGETS='$(FUZZ_TARGETS)' tests/run-tests.sh --only '$(value T)' $(BUILD) $(UNIT_TESTS)

# make coverage: which lines of vmbus/ and arch/x86_64/hyperv run in the
# hosted tests (clang source-based coverage) and in the bridged runs of the
# image (QEMU's instruction log), and which run nowhere.
COV_CFLAGS := -std=gnu11 -O0 -g $(WARN) -fprofile-instr-generate -fcoverage-mapping -I. -Iinclude
$(BUILD)/cov/%: tests/unit/%.c $$($$*_SRCS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $< (coverage)"
	$(Q)$(HOSTCC) $(COV_CFLAGS) $< $($*_SRCS) -o $@ -lpthread

coverage: deps $(IMAGE) $(HVSIM_BRIDGE) $(addprefix $(BUILD)/cov/,$(UNIT_TESTS))
	@scripts/coverage.sh $(BUILD) $(UNIT_TESTS)

# Benchmarks: host programs built optimised, without sanitizers.
BENCH_CFLAGS := -std=gnu11 -O2 -g $(WARN) -I. -Iinclude
$(BUILD)/bench/bench_ring: tests/bench/bench_ring.c vmbus/ring.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) $^ -o $@ -lpthread
$(BUILD)/bench/bench_open: tests/bench/bench_open.c $(HOSTED_SRCS) $(VMBUS_SRCS)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) $^ -o $@ -lpthread

# hvrt's ring against DPDK's (tests/bench/bench_peer.c). DPDK's ring comes
# from Debian's dpdk source package, fetched into build/dpdk, never
# committed; without it the peer's figures are null and the rest runs.
# DWARF 4: valgrind 3.19 (the instruction counts) cannot read clang's DWARF 5.
DPDK_RING := $(BUILD)/dpdk/src/drivers/bus/vmbus/vmbus_bufring.c
PEER_CFLAGS := $(BENCH_CFLAGS) -gdwarf-4 -Itests/bench/dpdk_shim -idirafter $(dir $(DPDK_RING))
BENCH_PEER_SRCS := tests/bench/bench_peer.c tests/bench/peer_hvrt.c vmbus/ring.c
$(BUILD)/bench/bench_peer: $(BENCH_PEER_SRCS) tests/bench/peer.h tests/bench/peer_dpdk.c \
        tests/bench/peer_dpdk_missing.c $(wildcard tests/bench/dpdk_shim/*.h) scripts/fetch-dpdk-ring.sh
	@mkdir -p $(dir $@)
	$(Q)if scripts/fetch-dpdk-ring.sh $(BUILD)/dpdk; then \
	    $(HOSTCC) $(PEER_CFLAGS) -Wno-address-of-packed-member -c $(DPDK_RING) -o $@-dpdk.o && \
	    $(HOSTCC) $(PEER_CFLAGS) $(BENCH_PEER_SRCS) tests/bench/peer_dpdk.c $@-dpdk.o -o $@ -lpthread; \
	else \
	    echo "bench: DPDK's ring could not be fetched; its columns will be null" >&2; \
	    $(HOSTCC) $(PEER_CFLAGS) $(BENCH_PEER_SRCS) tests/bench/peer_dpdk_missing.c -o $@ -lpthread; \
	fi

# KMCL's data path against the raw ring, counted under callgrind.
$(BUILD)/bench/bench_kmcl: tests/bench/bench_kmcl.c $(HOSTED_SRCS) $(VMBUS_SRCS)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) -gdwarf-4 $^ -o $@ -lpthread

$(BUILD)/bench/bench_threads: tests/bench/bench_threads.c $(HOSTED_SRCS)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) $^ -o $@ -lpthread

$(BUILD)/bench/bench_netvsc: tests/bench/bench_netvsc.c $(HOSTED_SRCS) $(VMBUS_SRCS) $(DRIVER_SRCS)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) $^ -o $@ -lpthread

$(BUILD)/bench/bench_storvsc: tests/bench/bench_storvsc.c $(HOSTED_SRCS) $(VMBUS_SRCS) $(STORVSC_SRCS)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) $^ -o $@ -lpthread

$(BUILD)/bench/bench_hvsock: tests/bench/bench_hvsock.c $(HOSTED_SRCS) $(VMBUS_SRCS) $(HVSOCK_SRCS)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) $^ -o $@ -lpthread

# The size budget has two limits (docs/performance.md): the image without
# the network and the disk (NET_APPS and DISK_APPS left out; --gc-sections
# then drops netvsc, the IP stack and storvsc) under 256 KiB, the default
# image with everything under 1 MiB and loading in a 48 MiB VM.
NO_NET_IMAGE := $(BUILD)/no-net/hvrt.efi
$(NO_NET_IMAGE): $(IMAGE)
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/no-net NEWLIB=$(NEWLIB) \
	    APPS="$(filter-out $(NET_APPS) $(DISK_APPS),$(APPS))" efi

bench: $(IMAGE) $(NO_NET_IMAGE) $(BUILD)/bench/bench_ring $(BUILD)/bench/bench_open $(BUILD)/bench/bench_peer \
        $(BUILD)/bench/bench_kmcl $(BUILD)/bench/bench_threads $(BUILD)/bench/bench_netvsc \
        $(BUILD)/bench/bench_storvsc $(BUILD)/bench/bench_hvsock $(BUILD)/host/test_integrity $(HVSIM_BRIDGE)
	@scripts/bench.sh $(IMAGE) $(BUILD)/bench $(NO_NET_IMAGE)

clean:
	rm -rf $(BUILD)/apps.stamp $(BUILD)/obj $(BUILD)/host $(BUILD)/symtab $(BUILD)/*.so $(BUILD)/*.efi $(BUILD)/run $(BUILD)/bench $(BUILD)/disk

# Also drops the cached newlib build.
distclean:
	rm -rf $(BUILD)

-include $(IMAGE_OBJS:.o=.d) $(wildcard $(BUILD)/host/*.d)

# Disk images (make image: raw GPT, VHDX, fixed VHD) and signing (make sign): mk/image.mk
-include mk/image.mk

# Fuzzing (make fuzz, make fuzz-smoke): mk/fuzz.mk
-include mk/fuzz.mk

# TCP/IP (lwIP fetched from Debian's source package, and the port in net/): mk/net.mk
-include mk/net.mk
