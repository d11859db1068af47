/*
 * Every build knob of Warden, in one place.
 *
 * Each knob can be set from the compiler command line (-DWD_NAME=value); in
 * Bazel, `--config=light` selects the light variant through
 * `--define warden_variant=light`, which adds -DWD_LIGHT=1. The ranges and
 * dependencies below are checked at compile time so that an impossible
 * combination does not build.
 *
 * | knob                        | default | light | meaning                                       |
 * |-----------------------------|---------|-------|-----------------------------------------------|
 * | WD_CANARY                   | 1       | 1     | 8-byte canary at the end of small slots and   |
 * |                             |         |       | medium blocks                                 |
 * | WD_ZERO_ON_FREE             | 1       | 0     | zero small slots and medium blocks on free,   |
 * |                             |         |       | check they are still zero on reuse            |
 * | WD_SMALL_QUARANTINE_RANDOM  | 64      | 0     | freed small slots held in a random array ...   |
 * | WD_SMALL_QUARANTINE_FIFO    | 64      | 0     | ... then in a FIFO, per class, before reuse    |
 * | WD_SMALL_QUARANTINE_BYTES   | 64 KiB  | 64 KiB| most slot bytes one class's quarantine holds:  |
 * |                             |         |       | the big classes hold fewer slots (at least one |
 * |                             |         |       | in each array), so a small heap stays small    |
 * | WD_LARGE_QUARANTINE_RANDOM  | 16      | 0     | freed large mappings kept inaccessible in a    |
 * | WD_LARGE_QUARANTINE_FIFO    | 16      | 0     | random array, then a FIFO, before unmapping    |
 * | WD_LARGE_CACHE_BYTES        | 32 MiB  | 32 MiB| freed large memory kept for reuse whatever    |
 * |                             |         |       | the program's peak (0: no cache; see below)   |
 * | WD_LARGE_CACHE_PEAK_SHIFT   | 3       | 3     | beyond that, live + cached large memory stays |
 * |                             |         |       | within the recent peak plus 1/2^N of it, the  |
 * |                             |         |       | cache within 2/2^N of it                      |
 * | WD_LARGE_CACHE_MAX          | 1 GiB   | 1 GiB | freed large memory kept for reuse, at most    |
 * | WD_LARGE_CACHE_WINDOW       | 256     | 256   | large allocations and frees per window; the   |
 * |                             |         |       | recent peak is that of this window and the    |
 * |                             |         |       | last                                          |
 * | WD_LARGE_CACHE_ENTRIES      | 64      | 64    | freed large mappings kept for reuse, at most  |
 * | WD_RANDOMIZE                | 1       | 0     | random slot within a slab, random fresh slab   |
 * | WD_SMALL_GUARD_INTERVAL     | 8       | 0     | one inaccessible guard slab after every N      |
 * |                             |         |       | slabs (0: none)                                |
 * | WD_SMALL_CLASS_SHIFT        | 33      | 33    | log2 of the address range of a size class      |
 * | WD_SMALL_LANES              | 4       | 4     | lanes per small class: slabs, lock and         |
 * |                             |         |       | quarantine of their own; threads dealt in turn |
 * | WD_SMALL_PURGE_DELAY        | 16 MiB  | 16 MiB| bytes of slots freed in a class between two   |
 * |                             |         |       | give-backs of its empty slabs' pages          |
 * | WD_MEDIUM_CHUNK_SHIFT       | 22      | 22    | log2 of a medium chunk (4 MiB)                 |
 * | WD_MEDIUM_REGION_SHIFT      | 36      | 36    | log2 of the medium address range (64 GiB)      |
 * | WD_MEDIUM_ARENAS            | 4       | 4     | medium arenas, each its own lock and share of |
 * |                             |         |       | the range; threads are spread round robin     |
 * | WD_MEDIUM_MAX               | 1 MiB   | 1 MiB | largest request served by the medium tier      |
 * | WD_MEDIUM_KEEP_EMPTY        | 1       | 1     | empty chunks a sweep purges in place rather    |
 * |                             |         |       | than releases                                  |
 * | WD_MEDIUM_RETAIN_SHIFT      | 1       | 1     | free pages an arena keeps beyond what its      |
 * |                             |         |       | recent peak wants back: peak >> this (below)   |
 * | WD_MEDIUM_RETAIN_MIN        | 4 MiB   | 4 MiB | free pages an arena may always keep            |
 * | WD_MEDIUM_RETAIN_MAX        | 256 MiB | 256 MiB| most free pages an arena keeps                |
 * | WD_MEDIUM_QUARANTINE_RANDOM | 16      | 0     | freed medium blocks held in a random array ... |
 * | WD_MEDIUM_QUARANTINE_FIFO   | 16      | 0     | ... then in a FIFO, per arena, before merging |
 * | WD_MEDIUM_QUARANTINE_BYTES  | 4 MiB   | 4 MiB | most bytes an arena's quarantine holds        |
 * | WD_MEDIUM_FREED_MEMORY      | 1024    | 1024  | blocks remembered per arena after they leave  |
 * |                             |         |       | the quarantine, to name a later double free   |
 * | WD_MEDIUM_PURGE_MIN         | 64 KiB  | 64 KiB| smallest free medium block whose pages a      |
 * |                             |         |       | sweep purges                                  |
 * | WD_LARGE_FREED_MEMORY       | 1024    | 1024  | unmapped large addresses remembered, so that a |
 * |                             |         |       | later free of one is named a double free       |
 * | WD_DEBUG                    | 0       | 0     | debug assertions (never on in release)         |
 *
 * The large cache: a freed large mapping's pages are moved (mremap, no
 * copy) to a fresh guarded mapping that no pointer has seen, while its old
 * addresses stay in the quarantine, inaccessible and empty (without a
 * quarantine they are unmapped at once). A later large
 * request is built from cached pages without a page fault, cleared first:
 * every region ends on a 2 MiB page-table boundary, so the whole tables it
 * needs come a table at a time from the tops of cached mappings, and the
 * partial table below them from a mapping's bottom; what is left of each
 * stays cached, not a page lost. The budget follows the program's
 * recent peak of live large memory P, the largest in the last one or two
 * windows of WD_LARGE_CACHE_WINDOW large allocations and frees: live plus
 * cached stays within P + P/8, the cache within P/4 and WD_LARGE_CACHE_MAX,
 * and WD_LARGE_CACHE_BYTES is kept whatever P. The oldest entries are
 * unmapped when the budget or the entry count would be exceeded, and when a
 * window ends: a program that needs less large memory than it did gives the
 * rest back within two windows, and one that stops using the large tier
 * holds what it held until malloc_trim/wd_trim.
 *
 * Small memory goes back to the kernel a slab at a time: after every
 * WD_SMALL_PURGE_DELAY bytes of slots that leave a class's quarantine, the
 * pages of its slabs that stayed empty since the previous such point are
 * dropped (they read as zero, which available slots must); a slab emptied
 * and filled again in between keeps them, so churn costs no madvise and no
 * fault. An empty slab is given back within two delays.
 *
 * Medium memory goes back to the kernel under a retained budget per arena,
 * the anti-thrash policy: a page fault or a madvise costs far more than
 * reusing a free page that is still there. The whole pages strictly inside
 * free blocks (tags, checksums and links lie outside them) stay committed
 * while there are no more of them than the budget: what the arena's blocks
 * (live or quarantined) may climb back to reach their recent peak, plus
 * that peak >> WD_MEDIUM_RETAIN_SHIFT for placement and churn, within
 * [WD_MEDIUM_RETAIN_MIN, WD_MEDIUM_RETAIN_MAX]. The peak is the highest of
 * the current window and the one before; a window ends once the arena has
 * handed out as many bytes as its peak, so the budget follows a fall in
 * use after one or two turnovers. A free that leaves more kept sweeps the
 * largest free blocks first (good fit takes them last): it releases a
 * wholly free chunk while more than WD_MEDIUM_KEEP_EMPTY are empty, and
 * drops the pages inside free blocks of at least WD_MEDIUM_PURGE_MIN bytes,
 * until a quarter of the budget is spare; the next sweep waits until that
 * much has piled up again (hysteresis). A program that frees and
 * reallocates the same memory faults nothing back in, its medium footprint
 * stays within about 1.5 times its recent peak use, and one that stops
 * using memory keeps at most its budget until malloc_trim/wd_trim, which
 * give every free page back.
 *
 * Always on, in both variants: canaries (unless WD_CANARY=0), no metadata
 * left in memory handed out, out-of-line small and large metadata,
 * double/invalid free detection in every tier, keyed medium tag checksums
 * and encoded free-list links, guard pages around large allocations and
 * metadata, read-only metadata after initialization, inaccessible malloc(0).
 *
 * A freed medium block waits in its arena's quarantine, zeroed and marked
 * quarantined in its tag (neither free nor mergeable), until a later free
 * pushes it out or the arena's quarantine would hold more than
 * WD_MEDIUM_QUARANTINE_BYTES; it must still be zero when it leaves.
 *
 * At run time WARDEN_OPTIONS may lower (never raise) the quarantine lengths
 * and turn randomization or zeroing off, for example
 *   WARDEN_OPTIONS=small_quarantine=0:medium_quarantine=0:large_quarantine=0:randomize=0:zero_on_free=0
 * It is ignored in set-uid and other secure-execution programs (options.c).
 */
#ifndef WD_CONFIG_H
#define WD_CONFIG_H

#ifndef WD_LIGHT
#define WD_LIGHT 0
#endif

#ifndef WD_CANARY
#define WD_CANARY 1
#endif

#ifndef WD_ZERO_ON_FREE
#define WD_ZERO_ON_FREE (!WD_LIGHT)
#endif

#ifndef WD_SMALL_QUARANTINE_RANDOM
#define WD_SMALL_QUARANTINE_RANDOM (WD_LIGHT ? 0 : 64)
#endif

#ifndef WD_SMALL_QUARANTINE_FIFO
#define WD_SMALL_QUARANTINE_FIFO (WD_LIGHT ? 0 : 64)
#endif

#ifndef WD_LARGE_QUARANTINE_RANDOM
#define WD_LARGE_QUARANTINE_RANDOM (WD_LIGHT ? 0 : 16)
#endif

#ifndef WD_LARGE_QUARANTINE_FIFO
#define WD_LARGE_QUARANTINE_FIFO (WD_LIGHT ? 0 : 16)
#endif

#ifndef WD_LARGE_CACHE_BYTES
#define WD_LARGE_CACHE_BYTES (32UL << 20)
#endif

#ifndef WD_LARGE_CACHE_ENTRIES
#define WD_LARGE_CACHE_ENTRIES 64
#endif

#ifndef WD_LARGE_CACHE_PEAK_SHIFT
#define WD_LARGE_CACHE_PEAK_SHIFT 3
#endif

#ifndef WD_LARGE_CACHE_MAX
#define WD_LARGE_CACHE_MAX (1UL << 30)
#endif

#ifndef WD_LARGE_CACHE_WINDOW
#define WD_LARGE_CACHE_WINDOW 256
#endif

#ifndef WD_RANDOMIZE
#define WD_RANDOMIZE (!WD_LIGHT)
#endif

#ifndef WD_SMALL_GUARD_INTERVAL
#define WD_SMALL_GUARD_INTERVAL (WD_LIGHT ? 0 : 8)
#endif

#ifndef WD_SMALL_QUARANTINE_BYTES
#define WD_SMALL_QUARANTINE_BYTES (64UL << 10)
#endif

#ifndef WD_SMALL_LANES
#define WD_SMALL_LANES 4
#endif

#ifndef WD_SMALL_PURGE_DELAY
#define WD_SMALL_PURGE_DELAY (16UL << 20)
#endif

#ifndef WD_SMALL_CLASS_SHIFT
#define WD_SMALL_CLASS_SHIFT 33
#endif
/* The smallest class range that the option small_range_shift or a kernel
 * that refuses larger ones can leave. */
#define SMALL_MIN_CLASS_SHIFT 28

#ifndef WD_MEDIUM_CHUNK_SHIFT
#define WD_MEDIUM_CHUNK_SHIFT 22
#endif

#ifndef WD_MEDIUM_REGION_SHIFT
#define WD_MEDIUM_REGION_SHIFT 36
#endif

#ifndef WD_MEDIUM_ARENAS
#define WD_MEDIUM_ARENAS 4
#endif

#ifndef WD_MEDIUM_MAX
#define WD_MEDIUM_MAX (1024 * 1024)
#endif

#ifndef WD_MEDIUM_KEEP_EMPTY
#define WD_MEDIUM_KEEP_EMPTY 1
#endif

#ifndef WD_MEDIUM_RETAIN_SHIFT
#define WD_MEDIUM_RETAIN_SHIFT 1
#endif

#ifndef WD_MEDIUM_RETAIN_MIN
#define WD_MEDIUM_RETAIN_MIN (4UL << 20)
#endif

#ifndef WD_MEDIUM_RETAIN_MAX
#define WD_MEDIUM_RETAIN_MAX (256UL << 20)
#endif

#ifndef WD_MEDIUM_PURGE_MIN
#define WD_MEDIUM_PURGE_MIN (64UL << 10)
#endif

#ifndef WD_MEDIUM_QUARANTINE_RANDOM
#define WD_MEDIUM_QUARANTINE_RANDOM (WD_LIGHT ? 0 : 16)
#endif

#ifndef WD_MEDIUM_QUARANTINE_FIFO
#define WD_MEDIUM_QUARANTINE_FIFO (WD_LIGHT ? 0 : 16)
#endif

#ifndef WD_MEDIUM_QUARANTINE_BYTES
#define WD_MEDIUM_QUARANTINE_BYTES (4UL << 20)
#endif

#ifndef WD_MEDIUM_FREED_MEMORY
#define WD_MEDIUM_FREED_MEMORY 1024
#endif

#ifndef WD_LARGE_FREED_MEMORY
#define WD_LARGE_FREED_MEMORY 1024
#endif

#ifndef WD_DEBUG
#define WD_DEBUG 0
#endif

_Static_assert(WD_LIGHT == 0 || WD_LIGHT == 1, "WD_LIGHT is 0 or 1");
_Static_assert(WD_CANARY == 0 || WD_CANARY == 1, "WD_CANARY is 0 or 1");
_Static_assert(WD_ZERO_ON_FREE == 0 || WD_ZERO_ON_FREE == 1, "WD_ZERO_ON_FREE is 0 or 1");
_Static_assert(WD_SMALL_QUARANTINE_RANDOM >= 0 && WD_SMALL_QUARANTINE_RANDOM <= 4096,
               "the small random quarantine holds 0 to 4096 slots per class");
_Static_assert(WD_SMALL_QUARANTINE_FIFO >= 0 && WD_SMALL_QUARANTINE_FIFO <= 4096,
               "the small FIFO quarantine holds 0 to 4096 slots per class");
_Static_assert(WD_SMALL_QUARANTINE_FIFO == 0 || WD_SMALL_QUARANTINE_RANDOM > 0,
               "the FIFO quarantine is fed by the random one");
_Static_assert(WD_LARGE_QUARANTINE_RANDOM >= 0 && WD_LARGE_QUARANTINE_RANDOM <= 256,
               "the large random quarantine holds 0 to 256 mappings");
_Static_assert(WD_LARGE_QUARANTINE_FIFO >= 0 && WD_LARGE_QUARANTINE_FIFO <= 256,
               "the large FIFO quarantine holds 0 to 256 mappings");
_Static_assert(WD_LARGE_QUARANTINE_FIFO == 0 || WD_LARGE_QUARANTINE_RANDOM > 0,
               "the FIFO quarantine is fed by the random one");
_Static_assert(WD_LARGE_CACHE_BYTES <= (1UL << 32), "the large cache keeps at most 4 GiB");
_Static_assert(WD_LARGE_CACHE_ENTRIES >= 1 && WD_LARGE_CACHE_ENTRIES <= 256,
               "the large cache has 1 to 256 entries (a budget of 0 turns it off)");
_Static_assert(WD_LARGE_CACHE_PEAK_SHIFT >= 2 && WD_LARGE_CACHE_PEAK_SHIFT <= 16,
               "the large cache's margin over the recent peak is a quarter of it to 1/65536");
_Static_assert(WD_LARGE_CACHE_MAX >= WD_LARGE_CACHE_BYTES && WD_LARGE_CACHE_MAX <= (1UL << 40),
               "the large cache's ceiling is at least its floor, and at most 1 TiB");
_Static_assert(WD_LARGE_CACHE_WINDOW >= 16 && WD_LARGE_CACHE_WINDOW <= (1 << 20),
               "the large tier's recent peak spans 16 to 2^20 allocations and frees per window");
_Static_assert(WD_RANDOMIZE == 0 || WD_RANDOMIZE == 1, "WD_RANDOMIZE is 0 or 1");
_Static_assert(WD_SMALL_GUARD_INTERVAL >= 0 && WD_SMALL_GUARD_INTERVAL <= 1024,
               "a guard slab follows every 1 to 1024 slabs, or none (0)");
_Static_assert(WD_SMALL_QUARANTINE_BYTES >= 4096 && WD_SMALL_QUARANTINE_BYTES <= (64UL << 20),
               "a class's quarantine holds 4 KiB to 64 MiB of slots");
_Static_assert(WD_SMALL_LANES >= 1 && WD_SMALL_LANES <= 8, "1 to 8 lanes per small class");
_Static_assert(WD_SMALL_PURGE_DELAY >= (1UL << 20), "small purges are at least 1 MiB of frees apart");
_Static_assert(WD_SMALL_CLASS_SHIFT >= SMALL_MIN_CLASS_SHIFT && WD_SMALL_CLASS_SHIFT <= 36,
               "a size class spans 256 MiB to 64 GiB of address space");
_Static_assert(WD_MEDIUM_CHUNK_SHIFT >= 21 && WD_MEDIUM_CHUNK_SHIFT <= 26,
               "medium chunks are 2 MiB to 64 MiB");
_Static_assert(WD_MEDIUM_REGION_SHIFT >= WD_MEDIUM_CHUNK_SHIFT + 4 && WD_MEDIUM_REGION_SHIFT <= 40,
               "the medium range holds at least 16 chunks and at most 1 TiB");
_Static_assert(WD_MEDIUM_ARENAS >= 1 && WD_MEDIUM_ARENAS <= 64 && (WD_MEDIUM_ARENAS & (WD_MEDIUM_ARENAS - 1)) == 0,
               "1 to 64 medium arenas, a power of two (each takes an equal share of the range)");
_Static_assert(WD_MEDIUM_ARENAS * 4 <= (1 << (WD_MEDIUM_REGION_SHIFT - WD_MEDIUM_CHUNK_SHIFT)),
               "every medium arena gets at least four chunks");
_Static_assert(WD_MEDIUM_MAX >= 65536 && WD_MEDIUM_MAX % 4096 == 0,
               "the medium limit is at least 64 KiB and a page multiple");
_Static_assert(WD_MEDIUM_MAX <= (1UL << WD_MEDIUM_CHUNK_SHIFT) / 4,
               "a chunk must hold at least four of the largest medium blocks");
_Static_assert(WD_MEDIUM_KEEP_EMPTY >= 0 && WD_MEDIUM_KEEP_EMPTY <= 64,
               "at most 64 empty medium chunks are kept");
_Static_assert(WD_MEDIUM_RETAIN_SHIFT >= 1 && WD_MEDIUM_RETAIN_SHIFT <= 16,
               "the churn share of the medium budget is 1/2 to 1/65536 of the peak");
_Static_assert(WD_MEDIUM_RETAIN_MIN >= (1UL << 20) && WD_MEDIUM_RETAIN_MIN <= WD_MEDIUM_RETAIN_MAX,
               "a medium arena may always keep at least 1 MiB, and no more than its cap");
_Static_assert(WD_MEDIUM_RETAIN_MAX <= (1UL << 32), "a medium arena keeps at most 4 GiB of free pages");
_Static_assert(WD_MEDIUM_PURGE_MIN >= 4096, "a purged medium block spans at least a page");
_Static_assert(WD_MEDIUM_QUARANTINE_RANDOM >= 0 && WD_MEDIUM_QUARANTINE_RANDOM <= 1024,
               "the medium random quarantine holds 0 to 1024 blocks per arena");
_Static_assert(WD_MEDIUM_QUARANTINE_FIFO >= 0 && WD_MEDIUM_QUARANTINE_FIFO <= 1024,
               "the medium FIFO quarantine holds 0 to 1024 blocks per arena");
_Static_assert(WD_MEDIUM_QUARANTINE_FIFO == 0 || WD_MEDIUM_QUARANTINE_RANDOM > 0,
               "the FIFO quarantine is fed by the random one");
_Static_assert(WD_MEDIUM_QUARANTINE_BYTES >= 2 * WD_MEDIUM_MAX && WD_MEDIUM_QUARANTINE_BYTES <= (1UL << 32),
               "a medium quarantine holds two of the largest blocks, and at most 4 GiB");
_Static_assert(WD_MEDIUM_FREED_MEMORY >= 16 && WD_MEDIUM_FREED_MEMORY <= 65536,
               "the freed-medium memory holds 16 to 65536 addresses");
_Static_assert(WD_LARGE_FREED_MEMORY >= 16 && WD_LARGE_FREED_MEMORY <= 65536,
               "the freed-large memory holds 16 to 65536 addresses");
_Static_assert(WD_DEBUG == 0 || WD_DEBUG == 1, "WD_DEBUG is 0 or 1");

#endif /* WD_CONFIG_H */
