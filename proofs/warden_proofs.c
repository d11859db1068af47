/*
 * The translation unit Frama-C WP proves: the very headers that the library
 * compiles, included as they are. Nothing here is compiled into Warden.
 */
#include "bits.h"
#include "medium_block.h"
#include "size_class.h"
#include "small_index.h"
#include "medium_list.h"
#include "medium_step.h"
