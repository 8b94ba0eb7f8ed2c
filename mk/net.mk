# TCP/IP: lwIP 2.1 from Debian's source package (fetched once into
# build/lwip/src, never committed) and hvrt's port of it in net/.
# Included by the Makefile.

LWIP_ROOT  := $(BUILD)/lwip
LWIP_STAMP := $(LWIP_ROOT)/.fetched
LWIP_DIR   := $(LWIP_ROOT)/src/src

# lwIP 2.1.3's files that hvrt uses: the core, IPv4, the sequential and
# socket APIs, Ethernet. (IPv6, PPP, 6LoWPAN and the apps are left out.)
LWIP_FILES := core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c \
    core/memp.c core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c \
    core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
    core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4_frag.c core/ipv4/ip4.c \
    core/ipv4/ip4_addr.c \
    api/api_lib.c api/api_msg.c api/err.c api/netbuf.c api/netdb.c api/netifapi.c \
    api/sockets.c api/tcpip.c \
    netif/ethernet.c
LWIP_SRCS := $(addprefix $(LWIP_DIR)/,$(LWIP_FILES))
NET_SRCS  := $(wildcard net/*.c)
# FD_SETSIZE covers lwIP's descriptors (HVRT_SOCKET_FD_BASE + MEMP_NUM_NETCONN).
NET_INCLUDES := -DFD_SETSIZE=256 -Inet/include -I$(LWIP_DIR)/include -Inet/include/posix -I$(LWIP_DIR)/include/compat/posix

$(LWIP_STAMP): scripts/fetch-debian-source.sh | deps
	@scripts/fetch-debian-source.sh lwip $(LWIP_ROOT)
$(LWIP_SRCS): $(LWIP_STAMP)
	@test -f $@ || { echo "net: $@ missing from lwIP's source" >&2; exit 1; }

lwip-source: $(LWIP_STAMP)
.PHONY: lwip-source

# The image: lwIP's own code is third-party (its warnings are not ours to
# fix), the port is held to hvrt's warnings.
LWIP_IMAGE_OBJS := $(patsubst $(LWIP_DIR)/%.c,$(BUILD)/obj/lwip/%.o,$(LWIP_SRCS))
NET_IMAGE_OBJS  := $(patsubst %,$(BUILD)/obj/%.o,$(NET_SRCS)) $(LWIP_IMAGE_OBJS)

$(BUILD)/obj/lwip/%.o: $(LWIP_DIR)/%.c $(NEWLIB)/lib/libc.a mk/net.mk net/include/lwipopts.h
	@mkdir -p $(dir $@)
	@echo "  CC      lwip/$*.c"
	$(Q)$(CC_TARGET) $(IMAGE_CFLAGS) -w $(NET_INCLUDES) -MMD -MP -c $< -o $@

$(BUILD)/obj/net/%.c.o: net/%.c $(NEWLIB)/lib/libc.a $(LWIP_STAMP) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC_TARGET) $(IMAGE_CFLAGS) $(NET_INCLUDES) -MMD -MP -c $< -o $@

# Hosted tests: lwIP and the port under ASan/UBSan, as one library. (No
# compat/posix here: the test process's C library has its own sockets.)
# hvsim, linked into the same tests, has a mem_init of its own: lwIP's is
# renamed inside the library.
NET_HOST_CFLAGS := -DHVRT_HOSTED -Inet/include -I$(LWIP_DIR)/include
NET_HOST_LIB_CFLAGS := $(NET_HOST_CFLAGS) -Dmem_init=lwip_mem_init
LWIP_HOST_LIB := $(BUILD)/host/liblwip.a
LWIP_HOST_OBJS := $(patsubst $(LWIP_DIR)/%.c,$(BUILD)/host/lwip/%.o,$(LWIP_SRCS))
NET_HOST_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(NET_SRCS))
$(BUILD)/host/lwip/%.o: $(LWIP_DIR)/%.c mk/net.mk net/include/lwipopts.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -w $(NET_HOST_LIB_CFLAGS) -c $< -o $@
$(BUILD)/host/net/%.o: net/%.c $(LWIP_STAMP) mk/net.mk
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(NET_HOST_LIB_CFLAGS) -MMD -MP -c $< -o $@
$(LWIP_HOST_LIB): $(LWIP_HOST_OBJS) $(NET_HOST_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && llvm-ar rcs $@ $^

-include $(LWIP_IMAGE_OBJS:.o=.d) $(NET_HOST_OBJS:.o=.d)

# The port's own test: lwIP on hvrt's threads over its loopback interface.
test_lwip_SRCS   := $(HOSTED_SRCS) $(LWIP_HOST_LIB)
test_lwip_CFLAGS := $(NET_HOST_CFLAGS)

# ---- the image: the stack only where an app uses it ----
# Apps on TCP/IP (sockets, hvrt/ipnet.h, hvrt/http.h: the Makefile's
# NET_IP_APPS). lwIP, the port and the `net` service go into an image only
# when APPS names one of them, so an image without them does not carry them.
NET_IMAGE_APPS := $(filter $(NET_IP_APPS),$(APPS))
ifneq ($(NET_IMAGE_APPS),)
IMAGE_OBJS += $(NET_IMAGE_OBJS)
$(BUILD)/hvrt.so: $(NET_IMAGE_OBJS)
$(patsubst %,$(BUILD)/obj/%.o,$(foreach a,$(NET_IMAGE_APPS),$(wildcard apps/$(a)/*.c))): IMAGE_CFLAGS += $(NET_INCLUDES)
# Their sources include lwIP's headers: fetch lwIP before compiling them
# (a clean clone has no build/lwip yet).
$(patsubst %,$(BUILD)/obj/%.o,$(foreach a,$(NET_IMAGE_APPS),$(wildcard apps/$(a)/*.c))): $(LWIP_STAMP)
endif

# Apps written on BSD sockets, hosted: lwIP's compatibility macros turn
# their calls into the lwip_ ones (the test process's C library has its
# own sockets), and <sys/socket.h> and friends are lwIP's (net/include/posix
# adds the ones lwIP does not ship).
NET_HOST_APP_CFLAGS := $(NET_HOST_CFLAGS) -DHVRT_HOSTED_APP -Inet/include/posix -I$(LWIP_DIR)/include/compat/posix
$(BUILD)/host/apps/%.o: apps/%.c $(LWIP_STAMP) mk/net.mk net/include/lwipopts.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(NET_HOST_APP_CFLAGS) -MMD -MP -c $< -o $@
.PRECIOUS: $(BUILD)/host/apps/%.o

# The HTTP client's response reader, and Azure's goal-state parser, alone.
test_http_response_SRCS := net/http_response.c
test_goalstate_SRCS     := apps/azure/goalstate.c

# lwIP over the synthetic NIC: in-process against hvsim's netvsc port, and
# with real Linux peers on a TAP in a network namespace (root; skips
# otherwise). service.o is named: nothing else pulls it out of the library.
# (The apps come before the library, which the linker reads once.)
IPNET_TEST_SRCS := $(HOSTED_SRCS) $(VMBUS_SRCS) $(DRIVER_SRCS) $(BUILD)/host/net/service.o
test_ipnet_SRCS       := $(IPNET_TEST_SRCS) $(LWIP_HOST_LIB)
test_ipnet_CFLAGS     := $(NET_HOST_CFLAGS)
test_ipnet_tap_SRCS   := $(IPNET_TEST_SRCS) apps/wget/wget.c $(BUILD)/host/apps/ping/ping.o $(wildcard apps/azure/*.c) \
                         $(wildcard apps/ic/*.c) $(LWIP_HOST_LIB)
test_ipnet_tap_CFLAGS := $(NET_HOST_CFLAGS)
