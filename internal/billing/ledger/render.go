package ledger

import (
	"bufio"
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteText writes s for a terminal: for each account the total due, then
// the subtotals by service, a line per source and usage type that reads
// "quantity × rate = amount", and the top resources (all when top < 0).
// Amounts are exact to ten decimals; the total due is rounded to the cent.
func (s *Statement) WriteText(w io.Writer, top int) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Kumo bill for %s to %s (UTC)\n", s.From.Format("2006-01-02 15:04:05"), s.To.Format("2006-01-02 15:04:05"))
	var quiet []string
	for i := range s.Accounts {
		b := &s.Accounts[i]
		if b.Items == 0 {
			quiet = append(quiet, b.Account)
			continue
		}
		b.writeText(bw, top)
	}
	if len(quiet) > 0 {
		fmt.Fprintf(bw, "\nNo charges: %s\n", joinShort(quiet, 10))
	}
	return bw.Flush()
}

func (b *AccountBill) writeText(w *bufio.Writer, top int) {
	name := ""
	if b.Name != "" {
		name = " (" + b.Name + ")"
	}
	fmt.Fprintf(w, "\nAccount %s%s\n", b.Account, name)
	fmt.Fprintf(w, "  Total due: $%s   (exact %s from %d line items, rounded once to the cent)\n",
		b.Due.Format(2), b.Total, b.Items)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\n  By service\n")
	for _, sv := range b.ByService {
		fmt.Fprintf(tw, "    %s\t%s\n", sv.Key, sv.Amount)
	}
	tw.Flush()

	tw = tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "\n  By source and usage type\n")
	fmt.Fprintf(tw, "    SOURCE\t USAGE TYPE\t QUANTITY\t UNIT\t\t RATE\t\t AMOUNT\n")
	for _, ul := range b.ByUsage {
		rate := "-"
		if ul.Rate != nil {
			rate = decimalString(ul.Rate)
			if ul.Mixed {
				rate += " avg"
			}
		}
		fmt.Fprintf(tw, "    %s\t %s\t %s\t %s\t×\t %s\t=\t %s\n", ul.Source, ul.UsageType, ul.Quantity, ul.Unit, rate, ul.Amount)
	}
	tw.Flush()

	n := len(b.Resources)
	if top >= 0 && top < n {
		n = top
	}
	if n == 0 {
		return
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if n < len(b.Resources) {
		fmt.Fprintf(tw, "\n  Top %d of %d resources\n", n, len(b.Resources))
	} else {
		fmt.Fprintf(tw, "\n  Resources\n")
	}
	fmt.Fprintf(tw, "    RESOURCE\tREGION\tWHAT\tQUANTITY\tAMOUNT\n")
	for _, rl := range b.Resources[:n] {
		id := rl.ResourceID
		if id == "" {
			id = "(account)"
		}
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s %s\t%s\n", id, rl.Region, rl.Description, rl.Quantity, rl.Unit, rl.Amount)
	}
	tw.Flush()
}

// joinShort lists up to n items and says how many more there are.
func joinShort(items []string, n int) string {
	s := ""
	for i, it := range items {
		if i == n {
			return fmt.Sprintf("%s and %d more", s, len(items)-n)
		}
		if i > 0 {
			s += ", "
		}
		s += it
	}
	return s
}
