;; (ASCII only: the wabt text parser rejects other characters.)
;; Hot loops of the accumulators in WebAssembly: the same arithmetic as the JavaScript reference
;; loops in src/stats/ (tests check they agree bit for bit), about twice as fast, because wasm has
;; no bounds checks or type guards in the loop and counts straight into linear memory.
;;
;; The caller (kernels.ts) owns the memory layout; every pointer is a byte offset into `memory`.
;; Counters are u32: callers pass fewer than 2^32 elements per call and fold the counters into exact
;; float64 totals afterwards. Assembled by scripts/build-wasm.mjs (wabt) into kernelsModule.ts.
(module
  (memory (export "memory") 1)

  ;; Results of the last scan32 call.
  (global $maxBits (export "maxBits") (mut i32) (i32.const -1))
  (global $zeros (export "zeros") (mut i32) (i32.const 0))
  (global $nan (export "nan") (mut i32) (i32.const 0))
  (global $infinite (export "infinite") (mut i32) (i32.const 0))
  ;; The 64 largest finite |bits| seen by scan32, descending, at $topPtr; $topCount of them are
  ;; filled; $topMin is the entry threshold (-1 until the list is full, then its smallest entry).
  ;; The caller loads and reads them around each call (topValues.ts offerTop is the reference).
  (global $topPtr (export "topPtr") (mut i32) (i32.const 0))
  (global $topCount (export "topCount") (mut i32) (i32.const 0))
  (global $topMin (export "topMin") (mut i32) (i32.const -1))

  ;; Offer one finite |bits| a >= 0 to the top list (insertion, larger entries first).
  (func $topOffer (param $a i32)
    (local $i i32) (local $previous i32)
    (if (i32.le_s (local.get $a) (global.get $topMin)) (then (return)))
    (local.set $i (select (global.get $topCount) (i32.const 63) (i32.lt_u (global.get $topCount) (i32.const 64))))
    (if (i32.lt_u (global.get $topCount) (i32.const 64))
      (then (global.set $topCount (i32.add (global.get $topCount) (i32.const 1)))))
    (block $placed
      (loop $shift
        (br_if $placed (i32.eqz (local.get $i)))
        (local.set $previous (i32.load (i32.add (global.get $topPtr) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 2)))))
        (br_if $placed (i32.ge_s (local.get $previous) (local.get $a)))
        (i32.store (i32.add (global.get $topPtr) (i32.shl (local.get $i) (i32.const 2))) (local.get $previous))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $shift)))
    (i32.store (i32.add (global.get $topPtr) (i32.shl (local.get $i) (i32.const 2))) (local.get $a))
    (if (i32.eq (global.get $topCount) (i32.const 64))
      (then (global.set $topMin (i32.load (i32.add (global.get $topPtr) (i32.const 252)))))))

  ;; counts[code]++ for n 16-bit codes at ptr. Two codes per 32-bit load, into two tables (table and
  ;; table + 256 KiB) so that equal neighbouring codes do not serialise on one counter; the caller
  ;; adds the tables.
  (func (export "count16") (param $ptr i32) (param $n i32) (param $table i32)
    (local $end i32) (local $pairsEnd i32) (local $word i32) (local $slot i32) (local $second i32)
    (local.set $second (i32.add (local.get $table) (i32.const 262144)))
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $n) (i32.const 1))))
    (local.set $pairsEnd (i32.add (local.get $ptr) (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $pairsEnd)))
        (local.set $word (i32.load (local.get $ptr)))
        (local.set $slot (i32.add (local.get $table) (i32.shl (i32.and (local.get $word) (i32.const 0xffff)) (i32.const 2))))
        (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
        (local.set $slot (i32.add (local.get $second) (i32.shl (i32.shr_u (local.get $word) (i32.const 16)) (i32.const 2))))
        (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
        (br $next)))
    (if (i32.lt_u (local.get $ptr) (local.get $end))
      (then
        (local.set $slot (i32.add (local.get $table) (i32.shl (i32.load16_u (local.get $ptr)) (i32.const 2))))
        (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1))))))

;; counts[((i >> shift) << 8) + byte]++ for byte i of the n bytes at ptr: consecutive runs of 2^shift
  ;; bytes count into consecutive 256-entry tables from `table` (an FP8 row whose 2^shift-column
  ;; blocks each have their own scale; kernels.ts countSegments).
  (func (export "count8seg") (param $ptr i32) (param $n i32) (param $table i32) (param $shift i32)
    (local $i i32) (local $slot i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $slot (i32.add (local.get $table)
          (i32.shl
            (i32.add (i32.shl (i32.shr_u (local.get $i) (local.get $shift)) (i32.const 8)) (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
            (i32.const 2))))
        (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; counts[code]++ for n 8-bit codes at ptr.
  (func (export "count8") (param $ptr i32) (param $n i32) (param $table i32)
    (local $end i32) (local $slot i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $n)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $slot (i32.add (local.get $table) (i32.shl (i32.load8_u (local.get $ptr)) (i32.const 2))))
        (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $next))))

  ;; Pass 1 over n float32 patterns at ptr (FloatScan.addFloat32Bits), four at a time (SIMD):
  ;; buckets[|bits| >>> 16]++ for every value, the largest finite |bits|, exact zeros, NaN and +-Inf,
  ;; and the top list ($topOffer; one vector compare per four values, a call only when one enters).
  ;; Non-finite values land in buckets >= 0x7f80, which the caller drops. Lanes 0, 2 and lanes 1, 3
  ;; count into two tables (buckets, buckets + 128 KiB) so that runs of equal buckets (zeros of a
  ;; pruned layer) do not serialise on one counter; the caller adds them.
  (func (export "scan32") (param $ptr i32) (param $n i32) (param $buckets i32)
    (local $end i32) (local $quadsEnd i32) (local $second i32) (local $slot i32)
    (local $v v128) (local $abs v128) (local $finite v128) (local $index v128)
    (local $max v128) (local $zeros v128) (local $nonfinite v128) (local $inf v128)
    (local $bits i32) (local $a i32) (local $m i32) (local $masked v128)
    (local.set $second (i32.add (local.get $buckets) (i32.const 131072)))
    (local.set $max (i32x4.splat (i32.const -1)))
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $quadsEnd (i32.add (local.get $ptr) (i32.shl (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $quadsEnd)))
        (local.set $v (v128.load (local.get $ptr)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
        (local.set $abs (v128.and (local.get $v) (i32x4.splat (i32.const 0x7fffffff))))
        ;; |bits| < 0x7f800000 (a signed compare is right: |bits| >= 0)
        (local.set $finite (i32x4.lt_s (local.get $abs) (i32x4.splat (i32.const 0x7f800000))))
        (local.set $nonfinite (i32x4.sub (local.get $nonfinite) (v128.not (local.get $finite))))
        (local.set $inf (i32x4.sub (local.get $inf) (i32x4.eq (local.get $abs) (i32x4.splat (i32.const 0x7f800000)))))
        (local.set $max (i32x4.max_s (local.get $max) (v128.and (local.get $abs) (local.get $finite))))
        (local.set $zeros (i32x4.sub (local.get $zeros) (i32x4.eq (local.get $abs) (i32x4.splat (i32.const 0)))))
        (local.set $index (i32x4.shr_u (local.get $abs) (i32.const 16)))
        ;; Non-finite lanes become -1, which never enters the top list.
        (local.set $masked (v128.bitselect (local.get $abs) (i32x4.splat (i32.const -1)) (local.get $finite)))
        (if (v128.any_true (i32x4.gt_s (local.get $masked) (i32x4.splat (global.get $topMin))))
          (then
            (call $topOffer (i32x4.extract_lane 0 (local.get $masked)))
            (call $topOffer (i32x4.extract_lane 1 (local.get $masked)))
            (call $topOffer (i32x4.extract_lane 2 (local.get $masked)))
            (call $topOffer (i32x4.extract_lane 3 (local.get $masked)))))
      (local.set $slot (i32.add (local.get $buckets) (i32.shl (i32x4.extract_lane 0 (local.get $index)) (i32.const 2))))
      (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
      (local.set $slot (i32.add (local.get $second) (i32.shl (i32x4.extract_lane 1 (local.get $index)) (i32.const 2))))
      (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
      (local.set $slot (i32.add (local.get $buckets) (i32.shl (i32x4.extract_lane 2 (local.get $index)) (i32.const 2))))
      (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
      (local.set $slot (i32.add (local.get $second) (i32.shl (i32x4.extract_lane 3 (local.get $index)) (i32.const 2))))
      (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
        (br $next)))
    ;; Reduce the lanes.
    (local.set $m (i32x4.extract_lane 0 (local.get $max)))
    (local.set $m (select (i32x4.extract_lane 1 (local.get $max)) (local.get $m) (i32.gt_s (i32x4.extract_lane 1 (local.get $max)) (local.get $m))))
    (local.set $m (select (i32x4.extract_lane 2 (local.get $max)) (local.get $m) (i32.gt_s (i32x4.extract_lane 2 (local.get $max)) (local.get $m))))
    (local.set $m (select (i32x4.extract_lane 3 (local.get $max)) (local.get $m) (i32.gt_s (i32x4.extract_lane 3 (local.get $max)) (local.get $m))))
    (global.set $maxBits (local.get $m))
    (global.set $zeros (i32.add (i32.add (i32x4.extract_lane 0 (local.get $zeros)) (i32x4.extract_lane 1 (local.get $zeros)))
                                (i32.add (i32x4.extract_lane 2 (local.get $zeros)) (i32x4.extract_lane 3 (local.get $zeros)))))
    (global.set $infinite (i32.add (i32.add (i32x4.extract_lane 0 (local.get $inf)) (i32x4.extract_lane 1 (local.get $inf)))
                                   (i32.add (i32x4.extract_lane 2 (local.get $inf)) (i32x4.extract_lane 3 (local.get $inf)))))
    (global.set $nan (i32.sub
      (i32.add (i32.add (i32x4.extract_lane 0 (local.get $nonfinite)) (i32x4.extract_lane 1 (local.get $nonfinite)))
               (i32.add (i32x4.extract_lane 2 (local.get $nonfinite)) (i32x4.extract_lane 3 (local.get $nonfinite))))
      (global.get $infinite)))
    ;; The last n mod 4 values, one by one.
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $bits (i32.load (local.get $ptr)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
        (local.set $a (i32.and (local.get $bits) (i32.const 0x7fffffff)))
        (local.set $slot (i32.add (local.get $buckets) (i32.shl (i32.shr_u (local.get $a) (i32.const 16)) (i32.const 2))))
        (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
        (if (i32.ge_u (local.get $a) (i32.const 0x7f800000))
          (then
            (if (i32.eq (local.get $a) (i32.const 0x7f800000))
              (then (global.set $infinite (i32.add (global.get $infinite) (i32.const 1))))
              (else (global.set $nan (i32.add (global.get $nan) (i32.const 1)))))
            (br $tail)))
        (if (i32.gt_s (local.get $a) (global.get $maxBits)) (then (global.set $maxBits (local.get $a))))
        (call $topOffer (local.get $a))
        (global.set $zeros (i32.add (global.get $zeros) (i32.eqz (local.get $a))))
        (br $tail))))

  ;; numpy's histogram bin of a finite a = |w| <= maxAbs (binning.ts binIndex): x = a / maxAbs, first
  ;; guess floor(x * bins) clamped to bins - 1, corrected by one comparison with each neighbouring
  ;; edge i * step (step = 1/bins, as numpy's linspace computes the edges; the last bin is closed).
  (func $binOf (param $a f64) (param $maxAbs f64) (param $step f64) (param $bins i32) (param $last i32) (result i32)
    (local $x f64) (local $index i32)
    (local.set $x (f64.div (local.get $a) (local.get $maxAbs)))
    (local.set $index (i32.trunc_sat_f64_u (f64.mul (local.get $x) (f64.convert_i32_u (local.get $bins)))))
    (local.set $index (select (local.get $last) (local.get $index) (i32.gt_u (local.get $index) (local.get $last))))
    (if (f64.lt (local.get $x) (f64.mul (f64.convert_i32_u (local.get $index)) (local.get $step)))
      (then (return (i32.sub (local.get $index) (i32.const 1)))))
    (if (i32.and
          (i32.lt_u (local.get $index) (local.get $last))
          (f64.ge (local.get $x) (f64.mul (f64.convert_i32_u (i32.add (local.get $index) (i32.const 1))) (local.get $step))))
      (then (return (i32.add (local.get $index) (i32.const 1)))))
    (local.get $index))

  ;; Pass 2 over n float32 values at ptr (binValues): a finite |w| <= maxAbs goes to bin
  ;; $binOf(|w|). With only B counters, neighbouring values often hit
  ;; the same bin, so four lanes count into four interleaved counter sets (counter 4*bin + lane,
  ;; u32 at $counts); the caller adds the lanes.
  (func (export "bin32") (param $ptr i32) (param $n i32) (param $counts i32) (param $step f64) (param $maxAbs f64) (param $bins i32)
    (local $end i32) (local $quadsEnd i32) (local $last i32) (local $a f64) (local $index i32) (local $slot i32)
    (local.set $last (i32.sub (local.get $bins) (i32.const 1)))
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $quadsEnd (i32.add (local.get $ptr) (i32.shl (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $quadsEnd)))
        (local.set $a (f64.promote_f32 (f32.abs (f32.load offset=0 (local.get $ptr)))))
        ;; NaN and +-Inf fail this test, as in JavaScript's !(a <= maxAbs).
        (if (f64.le (local.get $a) (local.get $maxAbs))
          (then
            (local.set $index (call $binOf (local.get $a) (local.get $maxAbs) (local.get $step) (local.get $bins) (local.get $last)))
            (local.set $slot (i32.add (local.get $counts) (i32.shl (i32.or (i32.shl (local.get $index) (i32.const 2)) (i32.const 0)) (i32.const 2))))
            (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))))
        (local.set $a (f64.promote_f32 (f32.abs (f32.load offset=4 (local.get $ptr)))))
        ;; NaN and +-Inf fail this test, as in JavaScript's !(a <= maxAbs).
        (if (f64.le (local.get $a) (local.get $maxAbs))
          (then
            (local.set $index (call $binOf (local.get $a) (local.get $maxAbs) (local.get $step) (local.get $bins) (local.get $last)))
            (local.set $slot (i32.add (local.get $counts) (i32.shl (i32.or (i32.shl (local.get $index) (i32.const 2)) (i32.const 1)) (i32.const 2))))
            (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))))
        (local.set $a (f64.promote_f32 (f32.abs (f32.load offset=8 (local.get $ptr)))))
        ;; NaN and +-Inf fail this test, as in JavaScript's !(a <= maxAbs).
        (if (f64.le (local.get $a) (local.get $maxAbs))
          (then
            (local.set $index (call $binOf (local.get $a) (local.get $maxAbs) (local.get $step) (local.get $bins) (local.get $last)))
            (local.set $slot (i32.add (local.get $counts) (i32.shl (i32.or (i32.shl (local.get $index) (i32.const 2)) (i32.const 2)) (i32.const 2))))
            (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))))
        (local.set $a (f64.promote_f32 (f32.abs (f32.load offset=12 (local.get $ptr)))))
        ;; NaN and +-Inf fail this test, as in JavaScript's !(a <= maxAbs).
        (if (f64.le (local.get $a) (local.get $maxAbs))
          (then
            (local.set $index (call $binOf (local.get $a) (local.get $maxAbs) (local.get $step) (local.get $bins) (local.get $last)))
            (local.set $slot (i32.add (local.get $counts) (i32.shl (i32.or (i32.shl (local.get $index) (i32.const 2)) (i32.const 3)) (i32.const 2))))
            (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
        (br $next)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $a (f64.promote_f32 (f32.abs (f32.load (local.get $ptr)))))
        ;; NaN and +-Inf fail this test, as in JavaScript's !(a <= maxAbs).
        (if (f64.le (local.get $a) (local.get $maxAbs))
          (then
            (local.set $index (call $binOf (local.get $a) (local.get $maxAbs) (local.get $step) (local.get $bins) (local.get $last)))
            (local.set $slot (i32.add (local.get $counts) (i32.shl (i32.or (i32.shl (local.get $index) (i32.const 2)) (i32.const 0)) (i32.const 2))))
            (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
        (br $tail))))

  ;; Pass 2 for bucketed F32 with up to four cuts per bucket (bucketCuts.ts countAboveCuts):
  ;; above[4*bucket + j] += (|bits| >= cuts[4*bucket + j]) for j = 0..3 in one vector compare, bucket =
  ;; |bits| >>> 16. Unused cuts (and the NaN/Inf buckets) are 0xFFFFFFFF, which no |bits| reaches.
  ;; Even and odd values count into two tables (above, above + 512 KiB); the caller adds them.
  (func (export "countAboveCuts") (param $ptr i32) (param $n i32) (param $cuts i32) (param $above i32)
    (local $end i32) (local $pairsEnd i32) (local $second i32) (local $bits i32) (local $offset i32) (local $slot i32)
    (local.set $second (i32.add (local.get $above) (i32.const 524288)))
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $pairsEnd (i32.add (local.get $ptr) (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $pairsEnd)))
        (local.set $bits (i32.and (i32.load offset=0 (local.get $ptr)) (i32.const 0x7fffffff)))
        (local.set $offset (i32.shl (i32.shr_u (local.get $bits) (i32.const 16)) (i32.const 4)))
        (local.set $slot (i32.add (local.get $above) (local.get $offset)))
        (v128.store (local.get $slot) (i32x4.sub (v128.load (local.get $slot))
          (i32x4.ge_u (i32x4.splat (local.get $bits)) (v128.load (i32.add (local.get $cuts) (local.get $offset))))))
        (local.set $bits (i32.and (i32.load offset=4 (local.get $ptr)) (i32.const 0x7fffffff)))
        (local.set $offset (i32.shl (i32.shr_u (local.get $bits) (i32.const 16)) (i32.const 4)))
        (local.set $slot (i32.add (local.get $second) (local.get $offset)))
        (v128.store (local.get $slot) (i32x4.sub (v128.load (local.get $slot))
          (i32x4.ge_u (i32x4.splat (local.get $bits)) (v128.load (i32.add (local.get $cuts) (local.get $offset))))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))
        (br $next)))
    (if (i32.lt_u (local.get $ptr) (local.get $end))
      (then
        (local.set $bits (i32.and (i32.load offset=0 (local.get $ptr)) (i32.const 0x7fffffff)))
        (local.set $offset (i32.shl (i32.shr_u (local.get $bits) (i32.const 16)) (i32.const 4)))
        (local.set $slot (i32.add (local.get $above) (local.get $offset)))
        (v128.store (local.get $slot) (i32x4.sub (v128.load (local.get $slot))
          (i32x4.ge_u (i32x4.splat (local.get $bits)) (v128.load (i32.add (local.get $cuts) (local.get $offset)))))))))

  ;; Copy to out, in order, every finite pattern whose |bits| >= from (PagedFloatScan's pass-2
  ;; candidates); returns how many. Branch-free: every value is stored, the cursor advances by the test.
  (func (export "select32") (param $ptr i32) (param $n i32) (param $from i32) (param $out i32) (result i32)
    (local $end i32) (local $cursor i32) (local $bits i32) (local $a i32)
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $cursor (local.get $out))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $bits (i32.load (local.get $ptr)))
        (local.set $a (i32.and (local.get $bits) (i32.const 0x7fffffff)))
        (i32.store (local.get $cursor) (local.get $bits))
        (local.set $cursor (i32.add (local.get $cursor)
          (i32.shl (i32.and (i32.ge_u (local.get $a) (local.get $from)) (i32.lt_u (local.get $a) (i32.const 0x7f800000))) (i32.const 2))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
        (br $next)))
    (i32.shr_u (i32.sub (local.get $cursor) (local.get $out)) (i32.const 2)))

  ;; Per-unit sums of |a| (unitMeans.ts): n float32 values at ptr laid out as [outer][units][inner];
  ;; sums[u] += (sum over i of |a[o][u][i]|) in float64, blocks in order, as the JavaScript loop adds
  ;; them. The caller uses it only on values it knows are all finite.
  (func (export "unitSums32") (param $ptr i32) (param $n i32) (param $units i32) (param $inner i32) (param $sums i32)
    (local $end i32) (local $u i32) (local $blockEnd i32) (local $sum f64) (local $slot i32)
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $u (i32.const 0))
        (block $unitsDone
          (loop $unit
            (br_if $unitsDone (i32.ge_u (local.get $u) (local.get $units)))
            (local.set $sum (f64.const 0))
            (local.set $blockEnd (i32.add (local.get $ptr) (i32.shl (local.get $inner) (i32.const 2))))
            (block $blockDone
              (loop $value
                (br_if $blockDone (i32.ge_u (local.get $ptr) (local.get $blockEnd)))
                (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (f32.abs (f32.load (local.get $ptr))))))
                (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
                (br $value)))
            (local.set $slot (i32.add (local.get $sums) (i32.shl (local.get $u) (i32.const 3))))
            (f64.store (local.get $slot) (f64.add (f64.load (local.get $slot)) (local.get $sum)))
            (local.set $u (i32.add (local.get $u) (i32.const 1)))
            (br $unit)))
        (br $outer))))
)
