package readmodel

import "math/bits"

// fenwick is a binary indexed tree over a bit per position: it counts set bits in any
// prefix, flips a bit, and finds the k-th set or clear bit, each in O(log n).
type fenwick struct {
	t []int32 // 1-based partial sums; t[0] unused
}

// newFenwick builds the tree over n positions whose bits are set(i), in O(n).
func newFenwick(n int, set func(i int) bool) *fenwick {
	f := &fenwick{t: make([]int32, n+1)}
	for i := 1; i <= n; i++ {
		if set(i - 1) {
			f.t[i]++
		}
		if j := i + i&-i; j <= n {
			f.t[j] += f.t[i]
		}
	}
	return f
}

// size is the number of positions.
func (f *fenwick) size() int { return len(f.t) - 1 }

// add changes the bit at position i by d (+1 sets a clear bit, -1 clears a set one).
func (f *fenwick) add(i int, d int32) {
	for j := i + 1; j < len(f.t); j += j & -j {
		f.t[j] += d
	}
}

// prefix returns the number of set bits in positions [0, i).
func (f *fenwick) prefix(i int) int {
	n := int32(0)
	for j := i; j > 0; j -= j & -j {
		n += f.t[j]
	}
	return int(n)
}

// count returns the number of set bits in [lo, hi).
func (f *fenwick) count(lo, hi int) int { return f.prefix(hi) - f.prefix(lo) }

// selectSet returns the position of the k-th set bit (k from 0), or -1 when there are not
// that many.
func (f *fenwick) selectSet(k int) int {
	n := f.size()
	if n == 0 {
		return -1
	}
	rem := int32(k + 1)
	pos := 0
	for step := 1 << (bits.Len(uint(n)) - 1); step > 0; step >>= 1 {
		if next := pos + step; next <= n && f.t[next] < rem {
			pos = next
			rem -= f.t[next]
		}
	}
	if pos >= n {
		return -1
	}
	return pos
}

// selectClear returns the position of the k-th clear bit (k from 0), or -1 when there are
// not that many. A node at pos+step covers exactly step positions during the descent, so
// its clear bits are step minus its sum.
func (f *fenwick) selectClear(k int) int {
	n := f.size()
	if n == 0 {
		return -1
	}
	rem := int32(k + 1)
	pos := 0
	for step := 1 << (bits.Len(uint(n)) - 1); step > 0; step >>= 1 {
		if next := pos + step; next <= n {
			if zeros := int32(step) - f.t[next]; zeros < rem {
				pos = next
				rem -= zeros
			}
		}
	}
	if pos >= n {
		return -1
	}
	return pos
}
