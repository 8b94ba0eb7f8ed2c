# libFuzzer targets for what the host sends (docs/security.md).
# Included from the main Makefile (-include mk/fuzz.mk); reuses its
# HOSTED_SRCS, VMBUS_SRCS and BUILD.
#   make fuzz-smoke        each target briefly from the seed corpus (tests/fuzz/corpus/)
#   make fuzz              each target for FUZZ_SECONDS (default 60), then coverage
#   make fuzz FUZZ_TARGETS=fuzz_ring FUZZ_SECONDS=600
#   make fuzz-long         each target for FUZZ_LONG_SECONDS (default 3600)
#   make fuzz-cov          coverage of the corpora as they are, no fuzzing
#   FUZZ_FLAGS=...         more libFuzzer options (e.g. -fork=1 -ignore_crashes=1)
# Everything lands under build/fuzz/; the committed seeds are never written to
# (the fuzzer's corpus is build/fuzz/corpus/<target>, seeded from them).

FUZZ_CC      ?= clang-14
FUZZ_PROFDATA ?= llvm-profdata-14
FUZZ_COV     ?= llvm-cov-14
FUZZ_SECONDS ?= 60
FUZZ_LONG_SECONDS ?= 3600
FUZZ_FLAGS   ?=
FUZZ_SMOKE_RUNS ?= 2000
FUZZ_DIR     := $(or $(BUILD),build)/fuzz
FUZZ_TARGETS ?= fuzz_ring fuzz_vmbus_msg fuzz_ic fuzz_kmcl fuzz_netvsc fuzz_http_response fuzz_goal_state fuzz_storvsc fuzz_fs \
    fuzz_httpd_request fuzz_hvsock

FUZZ_CFLAGS  := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fno-omit-frame-pointer -I. -Iinclude
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
# Objects: instrumented for coverage feedback, no libFuzzer main; the final
# link alone adds -fsanitize=fuzzer.
FUZZ_OBJ_FLAGS := $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LINK_FLAGS := $(FUZZ_SAN) -fsanitize=fuzzer
# Coverage build: source-based profiles, no sanitizers.
FUZZ_COV_FLAGS := $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -fprofile-instr-generate -fcoverage-mapping

fuzz_ring_SRCS      := tests/fuzz/fuzz_ring.c vmbus/ring.c
fuzz_vmbus_msg_SRCS := tests/fuzz/fuzz_vmbus_msg.c $(HOSTED_SRCS) $(VMBUS_SRCS)
# kmcl_shim.c: accessors to the KMCL face's private state: see fuzz_ic.c.
# ic_mutator.c: fuzz_ic's structure-aware mutator (LLVMFuzzerCustomMutator).
fuzz_ic_SRCS        := tests/fuzz/fuzz_ic.c tests/fuzz/ic_mutator.c tests/fuzz/kmcl_shim.c $(HOSTED_SRCS) \
                       $(VMBUS_SRCS) $(wildcard apps/ic/*.c)
# The whole hosted stack as the Makefile lists it (vmbus/*.c and the lib
# files by wildcard there), once each.
fuzz_kmcl_SRCS      := $(sort tests/fuzz/fuzz_kmcl.c tests/fuzz/kmcl_client.c tests/fuzz/host_ring.c \
                       tests/fuzz/kmcl_shim.c $(HOSTED_SRCS) $(VMBUS_SRCS))

# The netvsc driver on a stand-in KMCL that plays the host (see fuzz_netvsc.c).
fuzz_netvsc_SRCS    := tests/fuzz/fuzz_netvsc.c tests/fuzz/netvsc_kmcl_stub.c $(wildcard drivers/netvsc/*.c)

# The HTTP client's response reader (net/http_response.c), cut as TCP cuts it.
fuzz_http_response_SRCS := tests/fuzz/fuzz_http_response.c net/http_response.c
# Azure's goal-state parser (apps/azure/goalstate.c): what the WireServer sends.
fuzz_goal_state_SRCS    := tests/fuzz/fuzz_goal_state.c apps/azure/goalstate.c
fuzz_storvsc_SRCS   := tests/fuzz/fuzz_storvsc.c drivers/storvsc/vstor_result.c drivers/storvsc/scsi.c
fuzz_fs_SRCS        := tests/fuzz/fuzz_fs.c drivers/fs/fat.c drivers/fs/gpt.c
# httpd's request parser (apps/httpd/request.c): what any client sends.
fuzz_httpd_request_SRCS := tests/fuzz/fuzz_httpd_request.c apps/httpd/request.c
# hv_sock: pipe packets into the byte stream, and TL_CONNECT_RESULT (stubs in the target).
fuzz_hvsock_SRCS    := tests/fuzz/fuzz_hvsock.c drivers/hvsock/stream.c vmbus/tl_connect.c vmbus/ring.c

# What the coverage report covers: the code that parses host data. Of the
# KMCL face, the configuration setters, the server-only stubs and
# HvrtAllocatePages (kmcl_pages.c: page allocation) take none.
FUZZ_COV_SRCS := arch/x86_64/hyperv/synic.c vmbus/connection.c vmbus/offer.c vmbus/gpadl.c \
                 vmbus/channel.c vmbus/ring.c \
                 $(filter-out vmbus/kmcl_config.c vmbus/kmcl_server.c vmbus/kmcl_pages.c,$(wildcard vmbus/kmcl*.c)) \
                 $(wildcard apps/ic/*.c) \
                 $(wildcard drivers/netvsc/*.c) net/http_response.c apps/azure/goalstate.c \
                 drivers/storvsc/vstor_result.c drivers/storvsc/scsi.c drivers/fs/fat.c drivers/fs/gpt.c \
                 apps/httpd/request.c \
                 drivers/hvsock/stream.c vmbus/tl_connect.c

.PHONY: fuzz fuzz-long fuzz-cov fuzz-smoke fuzz-build fuzz-cov-build fuzz-clean

# Objects are named after the whole source name (x.c.o, x.S.o): a C file
# and an assembly file may share a stem.
$(FUZZ_DIR)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_OBJ_FLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/cov-obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_COV_FLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/cov-obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

define FUZZ_TARGET_RULES
$(FUZZ_DIR)/$(1): $$(patsubst %,$(FUZZ_DIR)/obj/%.o,$$($(1)_SRCS))
	@echo "  FUZZLD  $$@"
	$$(Q)$(FUZZ_CC) $(FUZZ_LINK_FLAGS) $$^ -o $$@ -lpthread
$(FUZZ_DIR)/cov/$(1): $$(patsubst %,$(FUZZ_DIR)/cov-obj/%.o,$$($(1)_SRCS))
	@mkdir -p $$(dir $$@)
	$$(Q)$(FUZZ_CC) -fsanitize=fuzzer -fprofile-instr-generate $$^ -o $$@ -lpthread
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_TARGET_RULES,$(t))))

fuzz-build: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

# One line per target, then "N passed, N failed". The seeds and every
# regression input (tests/fuzz/regressions/<target>/: crashes found before,
# each kept to fail again if its bug comes back) run first; -runs bounds the
# work, -max_total_time caps it at 10 s a target, -timeout makes an input
# that hangs a failure with a reproducer. New inputs go to a scratch
# directory (the first one given): the committed inputs stay as they are.
fuzz-smoke: fuzz-build
	@pass=0; fail=0; \
	for t in $(FUZZ_TARGETS); do \
	    log=$(FUZZ_DIR)/$$t-smoke.log; mkdir -p $(FUZZ_DIR)/crashes; \
	    scratch=$(FUZZ_DIR)/smoke-corpus/$$t; rm -rf $$scratch; mkdir -p $$scratch; \
	    if $(FUZZ_DIR)/$$t -runs=$(FUZZ_SMOKE_RUNS) -max_total_time=10 -timeout=20 -seed=1 \
	        -artifact_prefix=$(FUZZ_DIR)/crashes/$$t- \
	        $$scratch tests/fuzz/corpus/$$t $$(ls -d tests/fuzz/regressions/$$t 2>/dev/null) > $$log 2>&1; then \
	        n=$$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' $$log | tail -1); \
	        echo "ok   fuzz: $$t ($${n:-?} execs)"; pass=$$((pass+1)); \
	    else \
	        echo "FAIL fuzz: $$t (see $$log)"; grep -m1 -A3 "ERROR\|runtime error\|deadly signal" $$log; fail=$$((fail+1)); \
	    fi; \
	done; \
	echo "$$pass passed, $$fail failed"; test $$fail -eq 0

# Each target for FUZZ_SECONDS (tests/fuzz/run.sh: the corpus is kept in
# build/fuzz/corpus/<target>, crashes are reported with their reproducer and
# fuzzing goes on), then the coverage of the parsers (tests/fuzz/coverage.sh:
# per target, all targets against the 90% goal, and build/fuzz/uncovered.txt).
fuzz: fuzz-build fuzz-cov-build
	@pass=0; fail=0; \
	for t in $(FUZZ_TARGETS); do \
	    if tests/fuzz/run.sh $(FUZZ_DIR) $$t $(FUZZ_SECONDS) $(FUZZ_FLAGS); then \
	        pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	done; \
	tests/fuzz/coverage.sh $(FUZZ_DIR) $(FUZZ_PROFDATA) $(FUZZ_COV) "$(FUZZ_COV_SRCS)" $(FUZZ_TARGETS); \
	echo "$$pass passed, $$fail failed"; test $$fail -eq 0

# The long run (not in make test): every target for FUZZ_LONG_SECONDS on the
# same kept corpus; the figures go to docs/security.md. The targets run one
# after another (one core at most) at nice 19, so a long run on a shared
# machine takes only what the others leave.
fuzz-long:
	@nice -n 19 $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_LONG_SECONDS)

# Coverage of what the corpora hold now, without fuzzing.
fuzz-cov: fuzz-cov-build
	@tests/fuzz/coverage.sh $(FUZZ_DIR) $(FUZZ_PROFDATA) $(FUZZ_COV) "$(FUZZ_COV_SRCS)" $(FUZZ_TARGETS)

fuzz-cov-build: $(addprefix $(FUZZ_DIR)/cov/,$(FUZZ_TARGETS))

fuzz-clean:
	rm -rf $(FUZZ_DIR)

-include $(shell find $(FUZZ_DIR) -name '*.d' 2>/dev/null)
