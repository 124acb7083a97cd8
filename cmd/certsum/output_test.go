package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

func TestBarAndPercentShowProgress(t *testing.T) {
	cases := []struct {
		made, total int
		bar, pct    string
	}{
		{0, 0, "[....................]", "n/a"},
		{0, 10, "[....................]", "0%"},
		{1, 3, "[######..............]", "33%"},
		{5, 10, "[##########..........]", "50%"},
		{199, 200, "[###################.]", "99%"},
		{10, 10, "[####################]", "100%"},
	}
	for _, tc := range cases {
		if got := bar(tc.made, tc.total); got != tc.bar {
			t.Errorf("bar(%d, %d) = %s, want %s", tc.made, tc.total, got, tc.bar)
		}
		if got := percent(tc.made, tc.total); got != tc.pct {
			t.Errorf("percent(%d, %d) = %s, want %s", tc.made, tc.total, got, tc.pct)
		}
	}
}

func TestRenderPrintsEachFormat(t *testing.T) {
	v := view{
		headers:    []string{"ID", "NAME", "NOTE"},
		rows:       [][]string{{"1", "Ann Lee", ""}, {"22", "tab\there", "a,b \"q\""}},
		csvHeaders: []string{"id", "name", "note"},
		csvRows:    [][]string{{"1", "Ann Lee", ""}, {"22", "tab\there", "a,b \"q\""}},
		json:       []map[string]string{{"id": "1", "html": "<b>&"}},
	}
	cases := map[string]string{
		formatTable: "ID  NAME      NOTE\n1   Ann Lee   -\n22  tab here  a,b \"q\"\n",
		formatCSV:   "id,name,note\n1,Ann Lee,\n22,tab\there,\"a,b \"\"q\"\"\"\n",
		formatJSON:  "[\n  {\n    \"html\": \"<b>&\",\n    \"id\": \"1\"\n  }\n]\n",
	}
	for format, want := range cases {
		var b bytes.Buffer
		if err := render(&b, format, v); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, b.String()); diff != "" {
			t.Errorf("%s output (-want +got):\n%s", format, diff)
		}
	}
}

func TestOutputFormatDefaultsToTableOnATerminalAndJSONOtherwise(t *testing.T) {
	for _, tc := range []struct {
		flag     string
		terminal bool
		want     string
	}{
		{"", true, formatTable},
		{"", false, formatJSON},
		{"CSV", true, formatCSV},
		{"table", false, formatTable},
	} {
		e := &cliEnv{IsTerminal: func(io.Writer) bool { return tc.terminal }}
		o := outputFlag{format: tc.flag}
		got, err := o.resolve(e, nil)
		if err != nil || got != tc.want {
			t.Errorf("-o %q on terminal=%t: %q, %v; want %q", tc.flag, tc.terminal, got, err, tc.want)
		}
	}
	o := outputFlag{format: "yaml"}
	if _, err := o.resolve(&cliEnv{IsTerminal: func(io.Writer) bool { return true }}, nil); err == nil {
		t.Error("-o yaml was accepted")
	}
}

func TestBuildDecisionsDeduplicatesAndRejectsContradictions(t *testing.T) {
	got, err := buildDecisions([]string{"a", "b", "a", " "}, []string{"c"}, "why")
	if err != nil {
		t.Fatal(err)
	}
	tr, why := true, "why"
	want := []certsum.ReviewDecision{
		{ID: "a", Decision: certsum.Approve, Bulk: &tr, Comments: &why},
		{ID: "b", Decision: certsum.Approve, Bulk: &tr, Comments: &why},
		{ID: "c", Decision: certsum.Revoke, Bulk: &tr, Comments: &why},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}
	one, err := buildDecisions(nil, []string{"x"}, "")
	if err != nil || len(one) != 1 || *one[0].Bulk || one[0].Comments != nil {
		t.Errorf("a single revoke = %+v, %v; want bulk false and no comment", one, err)
	}
	if _, err := buildDecisions([]string{"a", "b"}, []string{"b", "a"}, ""); err == nil || !strings.Contains(err.Error(), "b, a") {
		t.Errorf("approving and revoking the same items: %v", err)
	}
	if _, err := buildDecisions(nil, nil, "c"); err == nil {
		t.Error("no decisions was accepted")
	}
}
