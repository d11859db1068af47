/*
 * NOT PROVED, NOT COMPILED, NOT IN THE PROOF RUN. ml_remove against the
 * ghost list model (proofs/README.md, "Not (yet) proved"). To work on it,
 * replace ml_remove in src/medium_list.h with this version and run
 *   proofs/wp.sh --fct ml_remove --par 1
 * State when set aside: every goal up to the shifted link facts after the
 * ghost drop proved (the model's nodes and distinctness after the drop, the
 * link values before the gap); the asserts that carry the old links over
 * to the new indexing (`dec(r[s[k] + 2]) == s[k + 1]` for k < p - 1 and
 * its k >= p twin) timed out at 30 s with Z3 and CVC4 on a loaded machine.
 * The same step in ml_insert closed once it was cut into "in terms of the
 * old array" and "old array to new array" (see ml_insert).
 */
/* Takes block s[p] off its list; next and prev are its links decoded
 * (medium.c has checked them, and that both point back at it). Writes the
 * link into it (prev's next, or the head) and next's back link. */
/*@ requires linked(r, key, head, hw, s, n) && p < n;
    requires next == ml_dec(r[s[p] + ML_NEXT], key, s[p] + ML_NEXT);
    requires prev == ml_dec(r[s[p] + ML_PREV], key, s[p] + ML_PREV);
    assigns r[prev + ML_NEXT], r[next + ML_PREV], *head, s[p .. n - 1];
    ensures linked(r, key, head, hw, s, n - 1);
    ensures \forall integer k; 0 <= k < p ==> s[k] == \old(s[k]);
    ensures \forall integer k; p <= k < n - 1 ==> s[k] == \old(s[k + 1]); */
static inline void ml_remove(size_t *r, size_t key, size_t *head, size_t hw, size_t next, size_t prev)
    /*@ ghost (int64_t \ghost *s, size_t n, size_t p) */ {
  //@ assert next == (p + 1 < n ? s[p + 1] : ML_NONE);
  //@ assert prev == (0 < p ? s[p - 1] : ML_NONE);
  //@ assert next % 2 == 0 && prev % 2 == 0 && next < ML_LIMIT && prev < ML_LIMIT;
  //@ assert (p + 1 < n <==> next != ML_NONE) && (0 < p <==> prev != ML_NONE);
  //@ assert \forall integer j, k; 0 <= j < k < n ==> s[j] != s[k];
  // The model first: position p goes, and the old links already say what
  // the new list needs everywhere but at the gap.
  //@ ghost ml_drop(s, n, p);
  //@ assert \forall integer k; 0 <= k < p ==> s[k] == \at(s[k], Pre);
  //@ assert \forall integer k; p <= k < n - 1 ==> s[k] == \at(s[k + 1], Pre);
  //@ assert (p + 1 < n ==> next == s[p]) && (0 < p ==> prev == s[p - 1]);
  //@ assert ml_nodes(r, s, n - 1);
  //@ assert \forall integer j, k; 0 <= j < k < p ==> s[j] != s[k];
  //@ assert \forall integer j, k; p <= j < k < n - 1 ==> \at(s[j + 1], Pre) != \at(s[k + 1], Pre);
  //@ assert \forall integer j, k; p <= j < k < n - 1 ==> s[j] != s[k];
  //@ assert \forall integer j, k; 0 <= j < p <= k < n - 1 ==> \at(s[j], Pre) != \at(s[k + 1], Pre);
  //@ assert \forall integer j, k; 0 <= j < p <= k < n - 1 ==> s[j] != s[k];
  //@ assert ml_distinct(s, n - 1);
  //@ assert \forall integer k; 0 <= k < n - 1 ==> s[k] != next || k == p;
  //@ assert \forall integer k; 0 <= k < n - 1 ==> s[k] != prev || k + 1 == p;
  /*@ assert \forall integer k; 0 <= k < p - 1 ==>
        ml_dec(r[\at(s[k], Pre) + ML_NEXT], key, \at(s[k], Pre) + ML_NEXT) == \at(s[k + 1], Pre); */
  /*@ assert \forall integer k; p <= k < n - 1 ==>
        ml_dec(r[\at(s[k + 1], Pre) + ML_NEXT], key, \at(s[k + 1], Pre) + ML_NEXT) ==
          (k + 2 < n ? \at(s[k + 2], Pre) : ML_NONE); */
  /*@ assert \forall integer k; 0 <= k < p ==>
        ml_dec(r[\at(s[k], Pre) + ML_PREV], key, \at(s[k], Pre) + ML_PREV) ==
          (0 < k ? \at(s[k - 1], Pre) : ML_NONE); */
  /*@ assert \forall integer k; p + 1 <= k < n - 1 ==>
        ml_dec(r[\at(s[k + 1], Pre) + ML_PREV], key, \at(s[k + 1], Pre) + ML_PREV) == \at(s[k], Pre); */
  /*@ assert \forall integer k; 0 <= k < p - 1 ==>
        ml_dec(r[s[k] + ML_NEXT], key, s[k] + ML_NEXT) == s[k + 1]; */
  /*@ assert \forall integer k; p <= k < n - 1 ==>
        ml_dec(r[s[k] + ML_NEXT], key, s[k] + ML_NEXT) == (k + 1 < n - 1 ? s[k + 1] : ML_NONE); */
  /*@ assert \forall integer k; 0 <= k < p ==>
        ml_dec(r[s[k] + ML_PREV], key, s[k] + ML_PREV) == (0 < k ? s[k - 1] : ML_NONE); */
  /*@ assert \forall integer k; p + 1 <= k < n - 1 ==>
        ml_dec(r[s[k] + ML_PREV], key, s[k] + ML_PREV) == s[k - 1]; */
  if (prev == ML_NONE) *head = ml_encode(next, key, hw);
  else r[prev + ML_NEXT] = ml_encode(next, key, prev + ML_NEXT);
  //@ assert 0 < p ==> ml_dec(r[s[p - 1] + ML_NEXT], key, s[p - 1] + ML_NEXT) == next;
  if (next != ML_NONE) r[next + ML_PREV] = ml_encode(prev, key, next + ML_PREV);
  //@ assert 0 < p ==> ml_dec(r[s[p - 1] + ML_NEXT], key, s[p - 1] + ML_NEXT) == next;
  //@ assert p + 1 < n ==> ml_dec(r[s[p] + ML_PREV], key, s[p] + ML_PREV) == prev;
  //@ assert p == 0 ==> ml_dec(*head, key, hw) == next;
  //@ assert 0 < p ==> *head == \at(*head, Pre);
  /*@ assert \forall integer k, x; 0 <= k < n - 1 && k + 1 != p && x == s[k] ==>
        r[x + ML_NEXT] == \at(r[x + ML_NEXT], Pre); */
  /*@ assert \forall integer k, x; 0 <= k < n - 1 && k != p && x == s[k] ==>
        r[x + ML_PREV] == \at(r[x + ML_PREV], Pre); */
  /*@ assert \forall integer k; 0 <= k < p - 1 ==>
        ml_dec(r[s[k] + ML_NEXT], key, s[k] + ML_NEXT) == s[k + 1]; */
  /*@ assert \forall integer k; p <= k < n - 1 ==>
        ml_dec(r[s[k] + ML_NEXT], key, s[k] + ML_NEXT) == (k + 1 < n - 1 ? s[k + 1] : ML_NONE); */
  /*@ assert \forall integer k; 0 <= k < p ==>
        ml_dec(r[s[k] + ML_PREV], key, s[k] + ML_PREV) == (0 < k ? s[k - 1] : ML_NONE); */
  /*@ assert \forall integer k; p + 1 <= k < n - 1 ==>
        ml_dec(r[s[k] + ML_PREV], key, s[k] + ML_PREV) == s[k - 1]; */
  //@ assert ml_head(head, key, hw, s, n - 1);
  //@ assert ml_nexts(r, key, s, n - 1);
  //@ assert ml_prevs(r, key, s, n - 1);
}

