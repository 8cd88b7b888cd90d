package main

import (
	"strings"
	"testing"
)

func TestMeminfoKiB(t *testing.T) {
	mi := []byte("MemTotal:         995600 kB\nMemFree:          941108 kB\nMemAvailable:     878832 kB\n")
	for key, want := range map[string]int64{"MemTotal": 995600, "MemAvailable": 878832, "Cached": 0} {
		if got := meminfoKiB(mi, key); got != want {
			t.Errorf("meminfoKiB(%s) = %d, want %d", key, got, want)
		}
	}
}

func TestKeyValues(t *testing.T) {
	kv := keyValues("n=2000 p50_us=812 p99_us=1540 min_us=603 max_us=2950\n")
	if kv["n"] != "2000" || kv["p99_us"] != "1540" || len(kv) != 5 {
		t.Errorf("keyValues = %v", kv)
	}
}

func TestCmdlineValue(t *testing.T) {
	args := []string{"qemu-system-x86_64", "-name", "guest=i-1,debug-threads=on", "-machine", "q35,accel=tcg", "-pidfile"}
	if got := cmdlineValue(args, "-machine"); got != "q35,accel=tcg" {
		t.Errorf("-machine = %q", got)
	}
	if got := cmdlineValue(args, "-pidfile"); got != "" { // no value follows
		t.Errorf("-pidfile = %q, want empty", got)
	}
}

func TestConsoleMark(t *testing.T) {
	console := "kumo-init: root filesystem ready (2.66s)\nkumo-init: network up 172.31.12.144 (3.00s)\n" +
		"kumo-init: ssh ready (3.67s)\nkumo-init: boot finished (3.73s)\n"
	var got []string
	for _, m := range consoleMark.FindAllStringSubmatch(console, -1) {
		got = append(got, m[1]+"="+m[2])
	}
	if want := "root filesystem ready=2.66 ssh ready=3.67"; strings.Join(got, " ") != want {
		t.Errorf("marks %q, want %q", got, want)
	}
}
