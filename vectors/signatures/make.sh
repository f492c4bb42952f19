#!/bin/sh
# Regenerates the signature vectors with the openssl CLI (run once; outputs are committed).
# Made with OpenSSL 3.0.19 (27 Jan 2026). Private keys are not kept: only public keys, the
# RSA-PSS certificate and the signatures over message.bin.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'tls12 signature vector: ServerKeyExchange params would go here\n' > message.bin

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa.key"
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa_pss.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/p256.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$tmp/p384.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "$tmp/p521.key"
openssl genpkey -algorithm ED25519 -out "$tmp/ed25519.key"
openssl genpkey -algorithm ED448 -out "$tmp/ed448.key"
for k in rsa rsa_pss p256 p384 p521 ed25519 ed448; do
    openssl pkey -in "$tmp/$k.key" -pubout -out "$k.pub.pem"
done
openssl req -new -x509 -key "$tmp/rsa_pss.key" -subj /CN=rsa-pss-vector -days 36500 \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -out rsa_pss.crt

for h in sha1 sha256 sha384 sha512; do
    openssl dgst -"$h" -sign "$tmp/rsa.key" -out "rsa_pkcs1_$h.sig" message.bin
done
for h in sha256 sha384 sha512; do
    openssl dgst -"$h" -sign "$tmp/rsa.key" -sigopt rsa_padding_mode:pss \
        -sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:"$h" -out "rsa_pss_rsae_$h.sig" message.bin
    openssl dgst -"$h" -sign "$tmp/rsa_pss.key" -sigopt rsa_padding_mode:pss \
        -sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:"$h" -out "rsa_pss_pss_$h.sig" message.bin
done
openssl dgst -sha256 -sign "$tmp/p256.key" -out ecdsa_secp256r1_sha256.sig message.bin
openssl dgst -sha384 -sign "$tmp/p384.key" -out ecdsa_secp384r1_sha384.sig message.bin
openssl dgst -sha512 -sign "$tmp/p521.key" -out ecdsa_secp521r1_sha512.sig message.bin
openssl dgst -sha1 -sign "$tmp/p256.key" -out ecdsa_sha1.sig message.bin
# TLS 1.2 does not bind the ECDSA hash to the curve: a P-384 key signing with SHA-256.
openssl dgst -sha256 -sign "$tmp/p384.key" -out p384_ecdsa_secp256r1_sha256.sig message.bin
openssl pkeyutl -sign -rawin -inkey "$tmp/ed25519.key" -in message.bin -out ed25519.sig
openssl pkeyutl -sign -rawin -inkey "$tmp/ed448.key" -in message.bin -out ed448.sig
