// Command certsum is the certsum server and its command-line client: `certsum serve` runs
// the v2024 certification API over SQLite or PostgreSQL, `certsum demo` builds a demo
// database, and the client subcommands read summaries and record decisions through the API.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(os.Stdout, os.Stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		var ex exitError
		if errors.As(err, &ex) {
			if ex.msg != "" {
				fmt.Fprintln(os.Stderr, "certsum:", ex.msg)
			}
			os.Exit(ex.code)
		}
		fmt.Fprintln(os.Stderr, "certsum:", err)
		os.Exit(1)
	}
}

// exitError ends the program with a specific status (verify uses 1 for "drift found").
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }
