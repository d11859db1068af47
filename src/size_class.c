#include "size_class.h"

/*
 * Slab geometry per class. Below 1 KiB a slab is the fewest pages that waste
 * at most 1/16 of the slab (one page for most classes). From 1 KiB up a slab
 * holds eight slots, or sixteen where eight do not fill whole pages, so that
 * the larger classes still amortize a slab's metadata and its commit.
 * Power-of-two classes get slabs that are multiples of the slot size, which
 * makes every slot of such a class aligned to its size: aligned allocations
 * rely on it. tests/unit/size_class_test.c checks each of these properties.
 */
const small_geometry_t small_geometry[SMALL_CLASS_COUNT] = {
    {16, 256, 4096},   /* malloc(0): never accessible */
    {16, 256, 4096},
    {32, 128, 4096},
    {48, 85, 4096},
    {64, 64, 4096},
    {80, 51, 4096},
    {96, 42, 4096},
    {112, 36, 4096},
    {128, 32, 4096},
    {160, 25, 4096},
    {192, 21, 4096},
    {224, 18, 4096},
    {256, 16, 4096},
    {320, 12, 4096},
    {384, 10, 4096},
    {448, 9, 4096},
    {512, 8, 4096},
    {640, 6, 4096},
    {768, 5, 4096},
    {896, 9, 8192},
    {1024, 8, 8192},
    {1280, 16, 20480},
    {1536, 8, 12288},
    {1792, 16, 28672},
    {2048, 8, 16384},
    {2560, 8, 20480},
    {3072, 8, 24576},
    {3584, 8, 28672},
    {4096, 8, 32768},
    {5120, 8, 40960},
    {6144, 8, 49152},
    {7168, 8, 57344},
    {8192, 8, 65536},
    {10240, 8, 81920},
    {12288, 8, 98304},
    {14336, 8, 114688},
    {16384, 8, 131072},
};
