package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// spaceCmd manages Octopus spaces. `create` prints the new space id alone on
// a line of standard output so scripts can capture it:
// SPACE=$(feedserver space create --name Operations).
func spaceCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("space needs create or list\n%s", usage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("feedserver space "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "name of the space (create)")
	rest := splitServerFlags(args)
	if err := fs.Parse(rest.own); err != nil {
		return err
	}
	a, err := keysApp(ctx, "space", rest.server, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()

	switch sub {
	case "create":
		if *name == "" {
			return fmt.Errorf("space create needs --name")
		}
		sp, err := a.spaces.Create(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, sp.ID)
		return nil
	case "list":
		list, err := a.spaces.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED")
		for _, sp := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", sp.ID, sp.Name, sp.Created.Format(time.RFC3339))
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown space command %q\n%s", sub, usage)
}
