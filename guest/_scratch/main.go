package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kumo-cloud/kumo/guest"
)

func main() {
	t := time.Now()
	img, err := guest.Build(context.Background(), os.Args[1], func(s string) { fmt.Printf("%6.1fs %s\n", time.Since(t).Seconds(), s) })
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Printf("%+v\n%.2fs\n", *img, time.Since(t).Seconds())
}
