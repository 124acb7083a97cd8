package readmodel

import (
	"math/rand/v2"
	"testing"
)

// TestFenwickAgreesWithCounting flips random bits and checks every prefix count and every
// k-th set and clear position against a plain scan.
func TestFenwickAgreesWithCounting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 7, 8, 9, 64, 100, 1000} {
		bits := make([]bool, n)
		for i := range bits {
			bits[i] = rng.IntN(3) == 0
		}
		f := newFenwick(n, func(i int) bool { return bits[i] })
		for round := 0; round < 20; round++ {
			ones := 0
			var setAt, clearAt []int
			for i := 0; i <= n; i++ {
				if got := f.prefix(i); got != ones {
					t.Fatalf("n=%d: prefix(%d) = %d, want %d", n, i, got, ones)
				}
				if i < n {
					if bits[i] {
						ones++
						setAt = append(setAt, i)
					} else {
						clearAt = append(clearAt, i)
					}
				}
			}
			for k := 0; k <= len(setAt); k++ {
				want := -1
				if k < len(setAt) {
					want = setAt[k]
				}
				if got := f.selectSet(k); got != want {
					t.Fatalf("n=%d: selectSet(%d) = %d, want %d", n, k, got, want)
				}
			}
			for k := 0; k <= len(clearAt); k++ {
				want := -1
				if k < len(clearAt) {
					want = clearAt[k]
				}
				if got := f.selectClear(k); got != want {
					t.Fatalf("n=%d: selectClear(%d) = %d, want %d", n, k, got, want)
				}
			}
			if n == 0 {
				break
			}
			for flips := 0; flips < 1+n/10; flips++ {
				i := rng.IntN(n)
				if bits[i] {
					f.add(i, -1)
				} else {
					f.add(i, 1)
				}
				bits[i] = !bits[i]
			}
		}
	}
}
