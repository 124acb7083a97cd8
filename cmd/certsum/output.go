package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
	"github.com/certsum/certsum/query"
)

// Output formats of the client subcommands. With no -o, a terminal gets a table and a pipe or
// file gets JSON, so that scripts read exactly the API's JSON without asking for it.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatCSV   = "csv"
)

// outputFlag is the -o flag of a command that prints something.
type outputFlag struct{ format string }

func (o *outputFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.format, "output", "o", "",
		"output format: table, json or csv (default: table on a terminal, json otherwise)")
}

// resolve returns the format to print in.
func (o *outputFlag) resolve(e *cliEnv, stdout io.Writer) (string, error) {
	switch f := strings.ToLower(strings.TrimSpace(o.format)); f {
	case formatTable, formatJSON, formatCSV:
		return f, nil
	case "":
		if e.IsTerminal(stdout) {
			return formatTable, nil
		}
		return formatJSON, nil
	}
	return "", fmt.Errorf("-o must be table, json or csv, not %q", o.format)
}

// listFlags are the collection flags of a list command.
type listFlags struct {
	limit, offset int
	count, all    bool
	filter, sort  string
}

// register adds the collection flags of a list command whose filters and sorters the schema
// s governs; example is a filter the server accepts for it (a test holds every command to
// that). The help's list of filters and sorters is written from s, so it cannot drift.
func (l *listFlags) register(cmd *cobra.Command, s *query.Schema, example string) {
	f := cmd.Flags()
	f.IntVar(&l.limit, "limit", 0, fmt.Sprintf("records per page, 1 to %d (default: the server's, %d)", certsum.MaxLimit, certsum.DefaultLimit))
	f.IntVar(&l.offset, "offset", 0, "records to skip")
	f.BoolVar(&l.count, "count", false, "print the size of the filtered collection on stderr")
	f.BoolVar(&l.all, "all", false, "fetch every page (--limit is then the page size)")
	f.StringVar(&l.filter, "filter", "", "filter expression, e.g. '"+example+"'")
	if sortable(s) != "" {
		f.StringVar(&l.sort, "sort", "", "comma-separated sort attributes, '-' prefix for descending, e.g. -"+strings.Split(sortable(s), ", ")[0])
	}
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[annotationSchema] = s.Name
	cmd.Long = strings.TrimRight(cmd.Long, "\n") + "\n\n" + schemaHelp(s)
}

// annotationSchema names, on a list command, the schema of its filters (for tests).
const annotationSchema = "certsum.schema"

// schemaHelp lists the filterable attributes with their operators and the sortable ones.
func schemaHelp(s *query.Schema) string {
	var filters []string
	for _, fl := range s.Fields {
		if len(fl.Ops) == 0 {
			continue
		}
		ops := make([]string, len(fl.Ops))
		for i, o := range fl.Ops {
			ops[i] = string(o)
		}
		filters = append(filters, fl.Name+" ("+strings.Join(ops, ", ")+")")
	}
	out := "Filters: " + strings.Join(filters, ", ") + "."
	if so := sortable(s); so != "" {
		out += "\nSorters: " + so + "."
	}
	return out
}

// sortable lists the sortable attributes of s.
func sortable(s *query.Schema) string {
	var names []string
	for _, fl := range s.Fields {
		if fl.Sortable {
			names = append(names, fl.Name)
		}
	}
	return strings.Join(names, ", ")
}

// options checks the flags and returns them as client options. --limit must be 1 to
// certsum.MaxLimit when given, as its help says; the server would refuse anything else.
func (l *listFlags) options() (client.ListOptions, error) {
	if l.limit != 0 && (l.limit < 1 || l.limit > certsum.MaxLimit) {
		return client.ListOptions{}, fmt.Errorf("--limit must be from 1 to %d, not %d", certsum.MaxLimit, l.limit)
	}
	if l.offset < 0 {
		return client.ListOptions{}, fmt.Errorf("--offset must not be negative, not %d", l.offset)
	}
	return client.ListOptions{Limit: l.limit, Offset: l.offset, Count: l.count, Filters: l.filter, Sorters: l.sort}, nil
}

// collect fetches what a list command prints: one page from list, or with --all every page
// from all, showing progress on stderr when stderr is a terminal. When the count was asked
// for, it is printed on stderr so that stdout holds only the data.
func collect[T any](cmd *cobra.Command, e *cliEnv, l *listFlags,
	list func(client.ListOptions) (certsum.Page[T], error),
	all func(client.ListOptions) iter.Seq2[T, error]) ([]T, error) {
	stderr := cmd.ErrOrStderr()
	o, err := l.options()
	if err != nil {
		return nil, err
	}
	if !l.all {
		page, err := list(o)
		if err != nil {
			return nil, err
		}
		if l.count {
			fmt.Fprintf(stderr, "total: %d\n", page.Total)
		}
		return page.Items, nil
	}
	total := -1
	progress := e.IsTerminal(stderr)
	o.Progress = func(fetched, t int) {
		total = t
		if progress {
			if t >= 0 {
				fmt.Fprintf(stderr, "\rfetched %d of %d", fetched, t)
			} else {
				fmt.Fprintf(stderr, "\rfetched %d", fetched)
			}
		}
	}
	items := []T{}
	for it, ierr := range all(o) {
		if ierr != nil {
			err = ierr
			break
		}
		items = append(items, it)
	}
	if progress {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		return nil, err
	}
	if l.count {
		fmt.Fprintf(stderr, "total: %d\n", total)
	}
	return items, nil
}

// view is something to print: table cells (with headers) for -o table, CSV cells for -o csv
// (the table's unless set), and the value -o json prints.
type view struct {
	headers    []string
	rows       [][]string
	csvHeaders []string
	csvRows    [][]string
	json       any
}

// render prints v in format.
func render(w io.Writer, format string, v view) error {
	switch format {
	case formatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v.json)
	case formatCSV:
		headers, rows := v.headers, v.rows
		if v.csvHeaders != nil {
			headers, rows = v.csvHeaders, v.csvRows
		}
		cw := csv.NewWriter(w)
		if err := cw.Write(headers); err != nil {
			return err
		}
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	default:
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		writeRow := func(cells []string) {
			for i, c := range cells {
				if i > 0 {
					io.WriteString(tw, "\t")
				}
				io.WriteString(tw, cell(c))
			}
			io.WriteString(tw, "\n")
		}
		writeRow(v.headers)
		for _, r := range v.rows {
			writeRow(r)
		}
		return tw.Flush()
	}
}

// cell makes a value safe for one table cell: tabs and line breaks would break the columns.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// barWidth is the width of a progress bar between its brackets.
const barWidth = 20

// bar draws made/total as [#####.....]; a total of 0 draws an empty bar.
func bar(made, total int) string {
	filled := 0
	if total > 0 {
		filled = made * barWidth / total
		if filled > barWidth {
			filled = barWidth
		}
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", barWidth-filled) + "]"
}

// percent renders made/total as a whole percentage, rounded down so that 100% means done;
// "n/a" when there is nothing to do.
func percent(made, total int) string {
	if total <= 0 {
		return "n/a"
	}
	return strconv.Itoa(made*100/total) + "%"
}

// ratio renders "made/total".
func ratio(made, total int) string { return strconv.Itoa(made) + "/" + strconv.Itoa(total) }

// timeCell renders a nullable time for a table: minutes in UTC.
func timeCell(t *certsum.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

// timeCSV renders a nullable time in the wire format.
func timeCSV(t *certsum.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.String()
}

// yesNo renders a flag for a table.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
