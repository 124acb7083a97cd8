// Command benchpaths writes the request paths that the load tool (run.sh, compare.sh; see
// bench/README.md) replays, for the certification with the most review items of a database:
// one request path per line, relative to a base URL that ends in /v2024, in five files named
// after the endpoint shapes:
//
//	decision-summary.txt          the decision summary
//	identity-summary.txt          512 identity summaries by id
//	identity-summaries-first.txt  the first 4 pages of 4 filters (none, completed eq false,
//	                              name sw "J", completed eq true and name sw "M")
//	identity-summaries.txt        the same 4 filters at 16 offsets spread over each result
//	access-summaries.txt          ROLE, ACCESS_PROFILE and ENTITLEMENT, without and with
//	                              completed eq false, at 8 offsets spread over each result
//
// Page paths ask for 250 rows sorted by name with count=true.
//
//	go run ./bench/benchpaths --db big.db --out paths/
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/postgres"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// benchPageSize is the page size of every generated page path: the API's maximum.
const benchPageSize = certsum.MaxLimit

func main() {
	db := flag.String("db", "./certsum.db", "SQLite database file, or a postgres:// URL")
	out := flag.String("out", "", "directory to write the path files into (created when missing)")
	seed := flag.Uint64("seed", 7, "seed of the identity summaries picked for identity-summary.txt")
	flag.Parse()
	if err := run(context.Background(), *db, *out, *seed, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchpaths:", err)
		os.Exit(1)
	}
}

// run writes the paths of the database db into the directory out.
func run(ctx context.Context, db, out string, seed uint64, stdout io.Writer) error {
	if db == "" || out == "" {
		return fmt.Errorf("--db and --out are required")
	}
	var (
		st  certsum.Store
		err error
	)
	if lower := strings.ToLower(db); strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		st, err = postgres.Open(ctx, db, postgres.Options{})
	} else {
		st, err = sqlite.Open(ctx, db, sqlite.Options{})
	}
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := writeBenchPaths(ctx, st, out, seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s for certification %s (%s): %d identities, %d review items\n",
		out, c.ID, c.Name, c.IdentitiesTotal, c.DecisionsTotal)
	return nil
}

// largestCertification returns the certification with the most review items.
func largestCertification(ctx context.Context, st certsum.Store) (*certsum.Certification, error) {
	var best *certsum.Certification
	for off := 0; ; off += certsum.MaxLimit {
		p, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
		if err != nil {
			return nil, fmt.Errorf("list certifications: %w", err)
		}
		for i := range p.Items {
			if best == nil || p.Items[i].DecisionsTotal > best.DecisionsTotal {
				c := p.Items[i]
				best = &c
			}
		}
		if len(p.Items) < certsum.MaxLimit {
			break
		}
	}
	if best == nil {
		return nil, fmt.Errorf("the database holds no certification")
	}
	return best, nil
}

// spreadOffsets returns n page offsets spread evenly from the first page to the last full
// page of a result of total rows.
func spreadOffsets(total, n int) []int {
	last := max(0, (total-benchPageSize)/benchPageSize)
	out := make([]int, n)
	for i := range out {
		p := 0
		if n > 1 {
			p = i * last / (n - 1)
		}
		out[i] = p * benchPageSize
	}
	return out
}

// pagePath is one page request: limit 250, the offset, sorted, counted, and the filter
// (none when empty).
func pagePath(base string, offset int, sorter, filter string) string {
	p := fmt.Sprintf("%s?limit=%d&offset=%d&sorters=%s&count=true", base, benchPageSize, offset, sorter)
	if filter != "" {
		p += "&filters=" + url.PathEscape(filter)
	}
	return p
}

// writeBenchPaths writes the five path files for the largest certification of st into dir.
func writeBenchPaths(ctx context.Context, st certsum.Store, dir string, seed uint64) (*certsum.Certification, error) {
	c, err := largestCertification(ctx, st)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	base := "/certifications/" + url.PathEscape(c.ID)
	files := map[string][]string{"decision-summary.txt": {base + "/decision-summary"}}

	// 512 identity summaries picked at random among all of the certification's.
	var ids []string
	for off := 0; ; off += certsum.MaxLimit {
		p, err := st.ListIdentitySummaries(ctx, c.ID, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
		if err != nil {
			return nil, fmt.Errorf("list identity summaries: %w", err)
		}
		for _, s := range p.Items {
			ids = append(ids, s.ID)
		}
		if len(p.Items) < certsum.MaxLimit {
			break
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("certification %s has no identity summaries", c.ID)
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	for i := 0; i < 512; i++ {
		files["identity-summary.txt"] = append(files["identity-summary.txt"],
			base+"/identity-summaries/"+url.PathEscape(ids[rng.IntN(len(ids))]))
	}

	// Identity summary pages: 4 filters, interleaved; the first 4 pages, and 16 offsets
	// spread over each filter's result.
	variants := []string{"", "completed eq false", `name sw "J"`, `completed eq true and name sw "M"`}
	var offs [][]int
	for _, v := range variants {
		f, err := certsum.ParseFilter(v, certsum.IdentitySummarySchema)
		if err != nil {
			return nil, err
		}
		p, err := st.ListIdentitySummaries(ctx, c.ID, certsum.ListQuery{Filter: f, Limit: 0, Count: true})
		if err != nil {
			return nil, fmt.Errorf("count identity summaries (%s): %w", v, err)
		}
		offs = append(offs, spreadOffsets(p.Total, 16))
	}
	for i := 0; i < 16; i++ {
		for vi, v := range variants {
			files["identity-summaries.txt"] = append(files["identity-summaries.txt"],
				pagePath(base+"/identity-summaries", offs[vi][i], "name", v))
		}
	}
	for i := 0; i < 4; i++ {
		for _, v := range variants {
			files["identity-summaries-first.txt"] = append(files["identity-summaries-first.txt"],
				pagePath(base+"/identity-summaries", i*benchPageSize, "name", v))
		}
	}

	// Access summary pages: 3 types × 2 filters, 8 offsets spread over each result.
	types := []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement}
	avariants := []string{"", "completed eq false"}
	aoffs := map[string][]int{}
	for _, t := range types {
		for _, v := range avariants {
			f, err := certsum.ParseFilter(v, certsum.AccessSummarySchema)
			if err != nil {
				return nil, err
			}
			p, err := st.ListAccessSummaries(ctx, c.ID, t, certsum.ListQuery{Filter: f, Limit: 0, Count: true})
			if err != nil {
				return nil, fmt.Errorf("count %s access summaries (%s): %w", t, v, err)
			}
			aoffs[string(t)+v] = spreadOffsets(p.Total, 8)
		}
	}
	for i := 0; i < 8; i++ {
		for _, t := range types {
			for _, v := range avariants {
				files["access-summaries.txt"] = append(files["access-summaries.txt"],
					pagePath(base+"/access-summaries/"+string(t), aoffs[string(t)+v][i], "access.name", v))
			}
		}
	}
	for name, lines := range files {
		if err := writeLines(filepath.Join(dir, name), lines); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// writeLines writes one line per element.
func writeLines(path string, lines []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
