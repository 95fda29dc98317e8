package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/feedserver/feedserver/auth"
)

// ownerCmd manages the generic registry's owners (namespaces API keys can be
// limited to with apikey create --owner). An administrator's first push to
// an owner creates it too; `owner create` lets a publisher push first.
func ownerCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("owner needs create NAME or list\n%s", usage)
	}
	sub, args := args[0], args[1:]
	// The server's own flags (--data) may come before or after NAME.
	rest := splitServerFlags(args)
	var name string
	if sub == "create" && len(rest.own) == 1 {
		name, rest.own = rest.own[0], nil
	}
	if len(rest.own) > 0 {
		return fmt.Errorf("owner %s: unexpected arguments %v\n%s", sub, rest.own, usage)
	}
	a, err := keysApp(ctx, "owner", rest.server, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	owners, err := auth.NewOwners(ctx, a.keysDB)
	if err != nil {
		return err
	}

	switch sub {
	case "create":
		if name == "" {
			return fmt.Errorf("owner create needs a NAME\n%s", usage)
		}
		created, err := owners.Create(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, created)
		return nil
	case "list":
		list, err := owners.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "OWNER\tCREATED")
		for _, o := range list {
			fmt.Fprintf(tw, "%s\t%s\n", o.Name, o.Created.Format(time.RFC3339))
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown owner command %q\n%s", sub, usage)
}
