#ifndef EMBER_INTRINSICS_H
#define EMBER_INTRINSICS_H

// CPU instructions Swift cannot reach on its own: CRC-32C for the WAL and
// chunk files, and prefetching for the head's commit loop.

#include <stddef.h>
#include <stdint.h>

/// Asks the CPU to bring the cache line holding `address` closer, for a
/// write soon. A hint only: it never faults, whatever the address.
static inline void ember_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

/// Non-zero when this CPU has a CRC-32C instruction (x86-64 SSE4.2, ARMv8 CRC).
int ember_crc32c_hardware_available(void);

/// Runs the CRC-32C register `state` over `length` bytes with the CPU's
/// instruction; no pre- or post-inversion. Only call it when
/// ember_crc32c_hardware_available() returned non-zero.
uint32_t ember_crc32c_hardware(uint32_t state, const void *bytes, size_t length);

#endif
