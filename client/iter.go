package client

import (
	"context"
	"iter"
	"math"

	"github.com/certsum/certsum"
)

// fetchPage asks for one page of a collection: limit records from offset, with the total
// when count is set.
type fetchPage[T any] func(ctx context.Context, offset, limit int, count bool) (certsum.Page[T], error)

// walk returns an iterator over a whole collection, fetched page by page with offset paging:
//
//   - the first page (from o.Offset, o.Limit records, 250 when unset) asks for the total;
//   - the walk stops after a page shorter than the limit, or once the offset reaches the
//     total, so a last page of exactly limit records costs no extra request;
//   - offsets only grow from a valid start, so none is ever refused, and a collection that
//     shrinks while it is walked just ends early (with a short or empty page);
//   - when key is set, a record already yielded is skipped: records inserted before the
//     current offset push earlier ones onto the next page, and the caller should not see
//     them twice. Each such repeat also proves the collection grew by one, so it raises the
//     expected total and the records pushed past the old end are still fetched. Other
//     growth after the first page (records inserted after the offset beyond the first
//     total) is not visited.
//
// An error is yielded once, with a zero record, and ends the walk.
func walk[T any](ctx context.Context, o ListOptions, key func(T) string, fetch fetchPage[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if o.Limit < 0 || o.Offset < 0 {
			yield(zero, certsum.Invalidf("limit", "limit and offset must not be negative (limit %d, offset %d)", o.Limit, o.Offset))
			return
		}
		limit := o.Limit
		if limit == 0 {
			limit = certsum.DefaultLimit
		}
		offset, total, fetched := o.Offset, -1, 0
		var seen map[string]struct{}
		if key != nil {
			seen = make(map[string]struct{})
		}
		for first := true; ; first = false {
			page, err := fetch(ctx, offset, limit, first)
			if err != nil {
				yield(zero, err)
				return
			}
			if first {
				total = page.Total
			}
			if len(page.Items) > limit {
				yield(zero, certsum.Errorf(certsum.CodeInternal,
					"the server returned %d records for a page of %d", len(page.Items), limit))
				return
			}
			for _, it := range page.Items {
				if seen != nil {
					k := key(it)
					if _, dup := seen[k]; dup {
						if total >= 0 {
							total++
						}
						continue
					}
					seen[k] = struct{}{}
				}
				if !yield(it, nil) {
					return
				}
			}
			fetched += len(page.Items)
			offset += len(page.Items)
			if o.Progress != nil {
				o.Progress(fetched, total)
			}
			if len(page.Items) < limit || total >= 0 && offset >= total {
				return
			}
			if offset > math.MaxInt32-limit {
				yield(zero, certsum.Errorf(certsum.CodeInvalid,
					"the collection is too large to page through with offsets (offset %d)", offset))
				return
			}
		}
	}
}

// pageOptions returns o positioned at one page of a walk.
func pageOptions(o ListOptions, offset, limit int, count bool) ListOptions {
	o.Offset, o.Limit, o.Count = offset, limit, count
	return o
}
