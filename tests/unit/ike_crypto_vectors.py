#!/usr/bin/env python3
# The expected bytes in tests/unit/ike_crypto.c that are not from an RFC,
# computed independently of moat: RFC 7296 2.13/2.14/2.17/2.18 written
# out with python's hmac and hashlib, and the SK payloads of RFC 5282 and
# RFC 7634 (and 3.14's AES-CBC with HMAC) with the `cryptography` module.
# Run it to print the C literals again: python3 tests/unit/ike_crypto_vectors.py
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

H = {1: hashlib.sha1, 256: hashlib.sha256, 384: hashlib.sha384,
     512: hashlib.sha512}


def prf(h, k, d):
    return hmac.new(k, d, H[h]).digest()


def prfplus(h, k, s, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(h, k, t + s + bytes([i]))
        out += t
        i += 1
    return out[:n]


def c(name, b):
    print("static const char %s[] =" % name)
    hx = b.hex()
    for i in range(0, len(hx), 64):
        print('    "%s"%s' % (hx[i:i + 64], ";" if i + 64 >= len(hx) else ""))


NI = bytes(range(0x10, 0x30))
NR = bytes(range(0x30, 0x50))
SPI = struct.pack(">QQ", 0x0102030405060708, 0x1112131415161718)
SH32 = bytes((i * 7 + 3) & 0xff for i in range(32))
SH256 = bytes((i * 13 + 1) & 0xff for i in range(256))
OLDSKD = bytes([0x55]) * 32

# prf+ (2.13)
c("prfplus_sha256", prfplus(256, bytes(range(32)), bytes(range(0xa0, 0xc0)), 200))
c("prfplus_sha1", prfplus(1, bytes(range(20)), b"seed", 45))


def keys(h, shared, total, old=None):
    if old is None:
        skeyseed = prf(h, NI + NR, shared)
    else:
        oh, okey = old
        skeyseed = prf(oh, okey, shared + NI + NR)
    return prfplus(h, skeyseed, NI + NR + SPI, total)


# A: aes128gcm16 prfsha256: 3*32 + 2*0 + 2*20
c("keys_a", keys(256, SH32, 3 * 32 + 2 * 20))
# B: aes256 (CBC) sha256-128 prfsha512, a 256-byte secret: 3*64 + 2*32 + 2*32
c("keys_b", keys(512, SH256, 3 * 64 + 2 * 32 + 2 * 32))
# C: rekey (2.18), old prf sha256, new chacha20poly1305 prfsha384: 3*48 + 2*36
c("keys_c", keys(384, SH32, 3 * 48 + 2 * 36, (256, OLDSKD)))
# D: aes128 sha1-96 prfsha1: 3*20 + 2*20 + 2*16
c("keys_d", keys(1, SH32, 3 * 20 + 2 * 20 + 2 * 16))

# 2.17
SKD = bytes(range(0x80, 0xa0))
c("keymat_nopfs", prfplus(256, SKD, NI + NR, 40))
c("keymat_pfs", prfplus(256, SKD, SH32 + NI + NR, 128))

# SK payloads. IKE header: SPIs as above, next SK, 2.0, IKE_AUTH,
# initiator, message ID 1 (then 2); inner chain starts with IDi (35).
PLAIN = bytes(range(0x61, 0x61 + 37))
KEY = bytes(range(0x40, 0x40 + 32))
SALT = bytes([0xca, 0xfe, 0xba, 0xbe])


def hdr(msgid, total):
    return SPI + bytes([46, 0x20, 35, 0x08]) + struct.pack(">II", msgid, total)


def aead_msg(alg, key, msgid, iv, pad=b""):
    ct_len = len(PLAIN) + len(pad) + 1 + 16
    sklen = 4 + 8 + ct_len
    aad = hdr(msgid, 28 + sklen) + bytes([35, 0]) + struct.pack(">H", sklen)
    ivb = struct.pack(">Q", iv)
    ct = alg(key).encrypt(SALT + ivb, PLAIN + pad + bytes([len(pad)]), aad)
    return aad + ivb + ct


c("sk_gcm128_1", aead_msg(AESGCM, KEY[:16], 1, 0))
c("sk_gcm128_2", aead_msg(AESGCM, KEY[:16], 2, 1))
c("sk_gcm256_1", aead_msg(AESGCM, KEY, 1, 0))
c("sk_chacha_1", aead_msg(ChaCha20Poly1305, KEY, 1, 0))
c("sk_chacha_2", aead_msg(ChaCha20Poly1305, KEY, 2, 1))
# A peer's AEAD message with 3 pad bytes of its choosing.
c("sk_gcm128_pad", aead_msg(AESGCM, KEY[:16], 7, 99, b"\xee\xee\xee"))

# AES-CBC-128 with HMAC-SHA-256-128 (ICV 16), IV 0x77..., 27 pad bytes
# (one more block than needed) of 0x5a, as another sender may choose.
AKEY = bytes(range(0x90, 0x90 + 32))
pad = b"\x5a" * 26
body = PLAIN + pad + bytes([len(pad)])
assert len(body) % 16 == 0
iv = b"\x77" * 16
enc = Cipher(algorithms.AES(KEY[:16]), modes.CBC(iv)).encryptor()
ct = enc.update(body) + enc.finalize()
sklen = 4 + 16 + len(ct) + 16
m = hdr(1, 28 + sklen) + bytes([35, 0]) + struct.pack(">H", sklen) + iv + ct
m += hmac.new(AKEY, m, hashlib.sha256).digest()[:16]
c("sk_cbc128_sha256", m)
