# Disk images and Secure Boot signing (docs/deploy.md). Included by the Makefile.
#   make image [ARGS="app args"]           build/disk/hvrt.raw, .vhdx (Hyper-V), .vhd (Azure)
#   make sign KEY=key.pem CERT=cert.pem    build/hvrt-signed.efi
#   make image SIGNED=1 [KEY=... CERT=...] the images with the signed EFI (signs first
#                                          when KEY is given, else uses the last make sign)
#   make image-test                        tests/image/run-image-tests.sh (about 35 s)
# ARGS goes into \hvrt.cfg on the ESP: the command line of a removable-media
# boot. ESP_MIB and DISK_MIB change the sizes (64 and 72 MiB).

DISK_DIR     := $(BUILD)/disk
SIGNED_IMAGE := $(BUILD)/hvrt-signed.efi
ESP_MIB      ?= 64
DISK_MIB     ?= 72
KEY          ?=
CERT         ?=
SIGNED       ?=

.PHONY: image sign image-test

# The command line travels in the environment, so quotes and ';' arrive intact.
image: export HVRT_IMAGE_ARGS = $(ARGS)
image: $(IMAGE) $(if $(SIGNED),$(if $(KEY),sign)) | deps
	@scripts/mkimage.sh --esp-mib $(ESP_MIB) --disk-mib $(DISK_MIB) \
	    $(if $(SIGNED),--newer-than $(IMAGE) $(SIGNED_IMAGE),$(IMAGE)) $(DISK_DIR)

sign: $(IMAGE) | deps
	@scripts/sign.sh $(IMAGE) $(SIGNED_IMAGE) "$(KEY)" "$(CERT)"

image-test: $(IMAGE) | deps
	@tests/image/run-image-tests.sh $(BUILD)
