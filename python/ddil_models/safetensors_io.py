"""Safetensors files as DDIL Workbench writes them, read and written with the standard library and
torch alone (core/checkpoint/safetensors.h is the C++ side).

    8 bytes   N, the header's length (unsigned, little-endian; at most 100,000,000)
    N bytes   JSON: {NAME: {"dtype", "shape", "data_offsets": [B, E]}, "__metadata__": {str: str}}
    the rest  the tensors' bytes, little-endian, C order

__metadata__["ddil.crc32c"] is the CRC-32C of the whole file with those 8 hex digits written as
"00000000". A file without it (another tool wrote it) is read without that check.
"""
import ctypes
import json
import os
import struct

import torch

MAX_HEADER_BYTES = 100_000_000
CRC_KEY = "ddil.crc32c"

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli) of `data`, continuing `crc`."""
    crc ^= 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


class FormatError(ValueError):
    """A file that is not a valid safetensors file, or whose CRC does not match."""


def _crc_position(header_text):
    """Where the CRC's 8 digits stand in the header text (None when it has none)."""
    key = '"' + CRC_KEY + '"'
    first = header_text.find(key)
    if first < 0:
        return None
    if header_text.find(key, first + 1) >= 0:
        raise FormatError(CRC_KEY + " stands more than once in the header")
    at = first + len(key)
    while header_text[at] in " \t\r\n":
        at += 1
    at += 1  # ':'
    while header_text[at] in " \t\r\n":
        at += 1
    return at + 1  # past '"'


def read(path, verify=True):
    """(tensors by name, metadata) of the file at `path`."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise FormatError(f"{path}: shorter than its 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise FormatError(f"{path}: its header claims {n} bytes; the file has {len(data)}")
    text = data[8:8 + n].decode("utf-8")
    if not text.startswith("{"):
        raise FormatError(f"{path}: its header does not start with '{{'")

    def no_duplicates(pairs):
        out = {}
        for k, v in pairs:
            if k in out:
                raise FormatError(f"{path}: duplicate key {k!r} in its header")
            out[k] = v
        return out

    header = json.loads(text, object_pairs_hook=no_duplicates)
    metadata = header.pop("__metadata__", {}) or {}
    if verify and CRC_KEY in metadata:
        at = 8 + _crc_position(text)  # the header is ASCII where the key stands
        zeroed = data[:at] + b"00000000" + data[at + 8:]
        if "%08x" % crc32c(zeroed) != metadata[CRC_KEY]:
            raise FormatError(f"{path}: its CRC-32C does not match its contents")
    start, end = 8 + n, 0
    tensors = {}
    for name, spec in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        b, e = spec["data_offsets"]
        if b != end or e < b:
            raise FormatError(f"{path}: tensor {name!r} does not follow the one before it")
        end = e
        dtype = DTYPES[spec["dtype"]]
        count = 1
        for d in spec["shape"]:
            count *= d
        size = torch.empty((), dtype=dtype).element_size()
        if count * size != e - b:
            raise FormatError(f"{path}: tensor {name!r}: its shape does not fit its bytes")
        raw = bytearray(data[start + b:start + e])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(spec["shape"])
    if start + end != len(data):
        raise FormatError(f"{path}: the tensors do not cover the data to the end of the file")
    return tensors, metadata


def write(path, tensors, metadata):
    """Writes `tensors` (name -> tensor, in that order) and `metadata` (str -> str) with the CRC."""
    metadata = dict(metadata)
    metadata[CRC_KEY] = "00000000"
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        t = t.detach().to("cpu").contiguous()
        raw = ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()) if t.numel() else b""
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    body = struct.pack("<Q", len(text)) + text.encode("utf-8") + b"".join(blobs)
    at = 8 + _crc_position(text)
    body = body[:at] + ("%08x" % crc32c(body)).encode() + body[at + 8:]
    with open(path + ".tmp", "wb") as f:
        f.write(body)
    os.replace(path + ".tmp", path)
