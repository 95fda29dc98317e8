package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/feedserver/feedserver/auth"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// apikeyCmd manages API keys. `create` prints the new key alone on a line of
// standard output so scripts can capture it: KEY=$(feedserver apikey create ...).
func apikeyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("apikey needs create, list or revoke\n%s", usage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("feedserver apikey "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "name of the key (create)")
	role := fs.String("role", "publisher", "administrator, publisher or reader (create)")
	expires := fs.Duration("expires", 0, "lifetime, e.g. 720h; 0 means it never expires (create)")
	var spaces, owners listFlag
	fs.Var(&spaces, "space", "limit the key to this space id; repeatable (create)")
	fs.Var(&owners, "owner", "limit the key to this generic-package owner; repeatable (create)")
	// The server's own flags are accepted too, for --data.
	rest := splitServerFlags(args)
	if err := fs.Parse(rest.own); err != nil {
		return err
	}
	a, err := keysApp(ctx, "apikey", rest.server, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()

	switch sub {
	case "create":
		if *name == "" {
			return fmt.Errorf("apikey create needs --name")
		}
		r, err := auth.ParseRole(*role)
		if err != nil {
			return err
		}
		spec := auth.KeySpec{Name: *name, Role: r, Spaces: spaces, Owners: owners}
		if *expires > 0 {
			t := time.Now().Add(*expires).UTC()
			spec.Expires = &t
		}
		key, _, err := a.keys.Create(ctx, spec)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		return nil
	case "list":
		infos, err := a.keys.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tSPACES\tOWNERS\tCREATED\tEXPIRES\tREVOKED")
		for _, k := range infos {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Role,
				orAll(k.Spaces), orAll(k.Owners), k.Created.Format(time.RFC3339), timeOr(k.Expires, "never"), timeOr(k.RevokedAt, "-"))
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return fmt.Errorf("apikey revoke needs the id or name of one key")
		}
		if err := a.keys.Revoke(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s\n", fs.Arg(0))
		return nil
	}
	return fmt.Errorf("unknown apikey command %q\n%s", sub, usage)
}

func orAll(s []string) string {
	if len(s) == 0 {
		return "all"
	}
	return strings.Join(s, ",")
}

func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.Format(time.RFC3339)
}

// splitFlags separates the server's configuration flags (--data ...) from a
// sub-command's own flags, so both can be given in any order.
type splitFlags struct{ own, server []string }

func splitServerFlags(args []string) splitFlags {
	known := make(map[string]bool, len(settings))
	for _, s := range settings {
		known[s.flag] = true
	}
	var out splitFlags
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		name, _, hasValue := strings.Cut(name, "=")
		if strings.HasPrefix(a, "-") && known[name] {
			out.server = append(out.server, a)
			if !hasValue && i+1 < len(args) {
				out.server = append(out.server, args[i+1])
				i++
			}
			continue
		}
		out.own = append(out.own, a)
	}
	return out
}
