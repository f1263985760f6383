/*
 * word.h - the constants of the scans that look at 8 bytes at a time
 * (a uint64_t loaded with memcpy), shared by message/ and output/.
 */
#ifndef WORD_H
#define WORD_H

#include <stdint.h>

#define ONES		((uint64_t)0x0101010101010101ULL)
#define HIGHS		(ONES * 0x80)
/* The high bit of every zero byte of x (exact for the lowest one). */
#define HASZERO(x)	(((x) - ONES) & ~(x) & HIGHS)

/* x as read from little-endian memory: byte 0 lowest. */
static inline uint64_t
le64(uint64_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(x);
#else
	return x;
#endif
}

#endif
