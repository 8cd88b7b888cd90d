package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/ledger"
	"github.com/kumo-cloud/kumo/internal/billing/pricing"
	"github.com/kumo-cloud/kumo/internal/daemon"
)

const billUsage = `usage: kumo bill [--data-dir DIR] [--month YYYY-MM] [--account ID] [--csv FILE] [--prices FILE]

Prints each account's bill for a month, from the usage the running kumo
serve with that data dir metered: the total due (rounded once, to the
cent), subtotals by service and by source and usage type (quantity × rate =
amount, exact to ten decimals), and the dearest resources. --csv also writes
every hourly line item as a Cost-and-Usage-Report-style CSV.

Flags:
`

// billMain runs `kumo bill` on the wall clock.
func billMain(args []string) error { return bill(args, os.Stdout, time.Now()) }

// bill runs `kumo bill` with now as the current time: the default month is
// now's, billed up to now.
func bill(args []string, stdout io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("bill", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), billUsage); fs.PrintDefaults() }
	dataDir := fs.String("data-dir", daemon.DefaultConfig().DataDir, "data dir of the running kumo serve")
	etcd := fs.String("etcd", "", "external etcd endpoints (when kumo serve uses --etcd)")
	month := fs.String("month", "", "the month to bill, YYYY-MM (default: the current month, up to now)")
	account := fs.String("account", "", "bill one account (default: every account)")
	csvFile := fs.String("csv", "", "also write the line items to this file as CSV (Cost and Usage Report columns)")
	prices := fs.String("prices", "", "operator price override file (JSON), as for kumo price")
	top := fs.Int("top", 10, "resources listed per account (-1: all)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bill: unexpected argument %q (kumo bill -h shows the flags)", fs.Arg(0))
	}
	from, to, err := billWindow(*month, now)
	if err != nil {
		return err
	}
	cat := pricing.Default()
	if *prices != "" {
		if cat, err = pricing.Load(*prices); err != nil {
			return err
		}
	}

	ctx := context.Background()
	st, err := openStore(ctx, *dataDir, *etcd)
	if err != nil {
		if _, serr := os.Stat(filepath.Join(*dataDir, "etcd", "client.sock")); *etcd == "" && serr == nil {
			// A socket left behind by a kumo serve that was killed.
			return fmt.Errorf("%w; is the kumo serve with --data-dir %s still running?", err, *dataDir)
		}
		return err
	}
	defer st.Close()
	l := &ledger.Ledger{Store: st}
	recs, err := l.Read(ctx, *account)
	if errors.Is(err, ledger.ErrUnknownAccount) {
		return fmt.Errorf("bill: no account %s in this kumo (kumo account list --data-dir %s lists them)", *account, *dataDir)
	} else if err != nil {
		return fmt.Errorf("bill: %w", err)
	}
	u, err := l.Usage(ctx, recs, ledger.Window{From: from, To: to, Account: *account})
	if err != nil {
		return fmt.Errorf("bill: %w", err)
	}
	items, err := ledger.LineItems(billing.DefaultConfig(), ledger.NewPrices(cat), u)
	if err != nil {
		return fmt.Errorf("bill: %w", err)
	}
	if err := ledger.NewStatement(from, to, recs.Accounts, items).WriteText(stdout, *top); err != nil {
		return err
	}
	if *csvFile == "" {
		return nil
	}
	return writeCSV(*csvFile, items, stdout)
}

// billWindow returns the month to bill: [first instant, next month), cut at
// now when the month is under way.
func billWindow(month string, now time.Time) (from, to time.Time, err error) {
	now = now.UTC().Truncate(time.Second)
	if month == "" {
		from = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	} else if from, err = time.Parse("2006-01", month); err != nil {
		return from, to, fmt.Errorf("bill --month %q: want YYYY-MM, e.g. %s", month, now.Format("2006-01"))
	}
	if !from.Before(now) {
		return from, to, fmt.Errorf("bill --month %s: the month has not started (it is %s)", from.Format("2006-01"), now.Format(time.RFC3339))
	}
	if to = from.AddDate(0, 1, 0); to.After(now) {
		to = now
	}
	return from, to, nil
}

// writeCSV writes the Cost and Usage Report file.
func writeCSV(path string, items []billing.LineItem, stdout io.Writer) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bill --csv: %w", err)
	}
	if err := ledger.WriteCUR(f, items); err != nil {
		f.Close()
		return fmt.Errorf("bill --csv %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bill --csv %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "\n%d line items written to %s\n", len(items), path)
	return nil
}
