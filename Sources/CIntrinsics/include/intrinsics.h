#ifndef EMBER_INTRINSICS_H
#define EMBER_INTRINSICS_H

// CPU instructions Swift cannot reach on its own: CRC-32C for the WAL and
// chunk files.

#include <stddef.h>
#include <stdint.h>

/// Non-zero when this CPU has a CRC-32C instruction (x86-64 SSE4.2, ARMv8 CRC).
int ember_crc32c_hardware_available(void);

/// Runs the CRC-32C register `state` over `length` bytes with the CPU's
/// instruction; no pre- or post-inversion. Only call it when
/// ember_crc32c_hardware_available() returned non-zero.
uint32_t ember_crc32c_hardware(uint32_t state, const void *bytes, size_t length);

#endif
