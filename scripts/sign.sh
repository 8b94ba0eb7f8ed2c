#!/usr/bin/env bash
# Signs an hvrt EFI image for UEFI Secure Boot (Authenticode, with sbsigntool)
# and checks the signature against the certificate.
#
#   sign.sh IMAGE OUTPUT KEY CERT
#
# KEY: the PEM private key; CERT: its PEM X.509 certificate. An encrypted key
# makes sbsign ask for its passphrase on the terminal. OUTPUT is written only
# when the signature verifies (sbverify --cert CERT).
set -euo pipefail

die() { echo "sign: error: $*" >&2; exit 2; }

[ $# -eq 4 ] || die "usage: sign.sh IMAGE OUTPUT KEY CERT (make sign KEY=key.pem CERT=cert.pem)"
image=$1 output=$2 key=$3 cert=$4

[ -n "$key" ] || die "no key: make sign KEY=path/to/key.pem CERT=path/to/cert.pem (docs/deploy.md shows how to make a test pair)"
[ -n "$cert" ] || die "no certificate: make sign KEY=path/to/key.pem CERT=path/to/cert.pem"
[ -f "$image" ] || die "$image is missing (make efi)"
[ -f "$key" ] || die "KEY=$key: no such file"
[ -r "$key" ] || die "KEY=$key: not readable"
[ -f "$cert" ] || die "CERT=$cert: no such file"
[ -r "$cert" ] || die "CERT=$cert: not readable"
for tool in sbsign sbverify openssl; do
    command -v "$tool" >/dev/null || die "$tool is missing (make deps installs sbsigntool and openssl)"
done
grep -q -- "-----BEGIN .*PRIVATE KEY-----" "$key" \
    || die "KEY=$key is not a PEM private key (convert a DER key: openssl pkey -inform DER -in KEY -out key.pem)"
if ! openssl x509 -in "$cert" -noout 2>/dev/null; then
    if openssl x509 -inform DER -in "$cert" -noout 2>/dev/null; then
        die "CERT=$cert is DER; sbsign wants PEM: openssl x509 -inform DER -in $cert -out cert.pem"
    fi
    die "CERT=$cert is not an X.509 certificate"
fi
# The pair must match (skipped for an encrypted key: the check after signing catches it).
if key_pub=$(openssl pkey -in "$key" -passin pass: -pubout 2>/dev/null); then
    [ "$key_pub" = "$(openssl x509 -in "$cert" -noout -pubkey)" ] \
        || die "KEY=$key does not match CERT=$cert (their public keys differ)"
fi
openssl x509 -in "$cert" -noout -checkend 0 >/dev/null \
    || echo "sign: warning: CERT=$cert has expired (UEFI does not check dates, but check it is the one you mean)" >&2

echo "sign: signing $image with $(openssl x509 -in "$cert" -noout -subject)"
tmp=$(mktemp "$(dirname "$output")/.sign.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# sbsign warns about the bytes after the last section (objcopy leaves the
# COFF symbol table there); they are hashed like the rest, so it is harmless.
sbsign --key "$key" --cert "$cert" --output "$tmp" "$image" 2> >(grep -v "gaps between PE/COFF sections" >&2)
if ! sbverify --cert "$cert" "$tmp" >/dev/null 2>&1; then
    die "the signature does not verify against CERT=$cert (do KEY and CERT belong together?)"
fi
mv -f "$tmp" "$output"
echo "sign: $output ($(stat -c %s "$output") bytes), verified: sbverify --cert $cert $output"
