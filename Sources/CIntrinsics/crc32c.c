// CRC-32C with the CPU's instruction. Swift has no portable way to reach
// these intrinsics, and the WAL and chunk files checksum every byte they
// write and read. The table version in TSDB/Util/Castagnoli.swift is the
// fallback and the reference the tests compare against.
#include "intrinsics.h"
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

int ember_crc32c_hardware_available(void) {
    return __builtin_cpu_supports("sse4.2");
}

__attribute__((target("sse4.2")))
uint32_t ember_crc32c_hardware(uint32_t state, const void *bytes, size_t length) {
    const unsigned char *p = bytes;
    uint64_t c = state;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = _mm_crc32_u64(c, word);
        p += 8;
        length -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (length > 0) {
        c32 = _mm_crc32_u8(c32, *p);
        p += 1;
        length -= 1;
    }
    return c32;
}

#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>

int ember_crc32c_hardware_available(void) { return 1; }

uint32_t ember_crc32c_hardware(uint32_t state, const void *bytes, size_t length) {
    const unsigned char *p = bytes;
    uint32_t c = state;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = __crc32cd(c, word);
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        c = __crc32cb(c, *p);
        p += 1;
        length -= 1;
    }
    return c;
}

#else

int ember_crc32c_hardware_available(void) { return 0; }

uint32_t ember_crc32c_hardware(uint32_t state, const void *bytes, size_t length) {
    (void)bytes;
    (void)length;
    return state;
}

#endif
