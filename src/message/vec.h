/*
 * vec.h - what the SSE2 and AVX2 scans share: the intrinsics, where
 * they may be used, and the test of a byte range.  SSE2 code is built
 * where __SSE2__ is (every x86-64); AVX2 code, where HAVE_AVX2_SCAN is,
 * is built with target("avx2") and chosen at run time by
 * __builtin_cpu_supports("avx2").  Without __SSE2__ (scripts/check-scalar)
 * neither is built and the portable C paths run.
 */
#ifndef VEC_H
#define VEC_H

#if defined(__SSE2__)
#include <emmintrin.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_SCAN	1
#endif

/*
 * 0xff for each byte of v among the n values from lo on: moved so that
 * lo is -128 (adding 0x80 - lo), those are the bytes below -128 + n.
 */
static inline __m128i
in_range(__m128i v, int lo, int n)
{
	return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo))),
	    _mm_set1_epi8((char)(n - 128)));
}

#if defined(HAVE_AVX2_SCAN)
/* in_range() of 32 bytes. */
__attribute__((target("avx2"))) static inline __m256i
in_range32(__m256i v, int lo, int n)
{
	return _mm256_cmpgt_epi8(_mm256_set1_epi8((char)(n - 128)),
	    _mm256_add_epi8(v, _mm256_set1_epi8((char)(0x80 - lo))));
}
#endif
#endif

#endif
