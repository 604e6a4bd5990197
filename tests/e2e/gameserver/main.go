/*
Copyright 2026 The GameStatefulSet Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Command gameserver is the game server of the e2e suites: it serves its version over HTTP on :8080, with
// /healthz for probes and /players for its player count, which hooks ask before the server may go (a POST of
// /players?count=N sets it, as players joining or leaving would). The version is set at build time, so each
// version is an image with its own ID. ECHO_TCP_PORTS and ECHO_UDP_PORTS ("7000-7003,7100") are game ports that
// answer every connection or datagram with the pod's name, so that a test can tell which server a load
// balancer's port reached. For lossless updates it serves /content (the file $CONTENT_FILE, which a content
// container writes), /boot (an id drawn at start: a new one means the process restarted), /reload (what the
// operator calls: it counts, and appends a line to /tmp/reloads) and /reloads (the count); `gameserver reload`
// calls /reload from inside the container (an exec reload), `gameserver fail` fails as a broken reload would.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

var version = "dev"

func main() {
	// `gameserver version` answers without serving: what `kubectl gamestatefulset exec` runs in the e2e suite
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "version":
			fmt.Println(version)
			return
		case "reload":
			resp, err := http.Get("http://127.0.0.1:8080/reload")
			if err != nil || resp.StatusCode != http.StatusOK {
				fmt.Fprintln(os.Stderr, "reload:", err)
				os.Exit(1)
			}
			return
		case "fail":
			fmt.Fprintln(os.Stderr, "this reload always fails")
			os.Exit(3)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	var players atomic.Int64
	mux.HandleFunc("/players", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			n, err := strconv.ParseInt(r.URL.Query().Get("count"), 10, 64)
			if err != nil || n < 0 {
				http.Error(w, "count must be a non-negative integer", http.StatusBadRequest)
				return
			}
			players.Store(n)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int64{"players": players.Load()})
	})
	boot := strconv.FormatInt(time.Now().UnixNano(), 36)
	mux.HandleFunc("/boot", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, boot) })
	mux.HandleFunc("/content", func(w http.ResponseWriter, _ *http.Request) {
		data, err := os.ReadFile(os.Getenv("CONTENT_FILE"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		_, _ = w.Write(data)
	})
	var reloads atomic.Int64
	mux.HandleFunc("/reload", func(w http.ResponseWriter, _ *http.Request) {
		n := reloads.Add(1)
		if f, err := os.OpenFile("/tmp/reloads", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "reload %d at %s\n", n, time.Now().Format(time.RFC3339Nano))
			_ = f.Close()
		}
		fmt.Fprintln(w, "reloaded", n)
	})
	mux.HandleFunc("/reloads", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, reloads.Load()) })
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		host, _ := os.Hostname()
		fmt.Fprintf(w, "%s %s\n", host, version)
	})
	host, _ := os.Hostname()
	for _, port := range ports(os.Getenv("ECHO_TCP_PORTS")) {
		go echoTCP(port, host)
	}
	for _, port := range ports(os.Getenv("ECHO_UDP_PORTS")) {
		go echoUDP(port, host)
	}
	server := &http.Server{Addr: ":8080", Handler: mux}
	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
		<-signals
		_ = server.Close()
	}()
	if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// ports parses "7000-7003,7100"; what does not parse is left out.
func ports(list string) []int {
	var out []int
	for _, part := range strings.Split(list, ",") {
		first, last, found := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(first)
		if err != nil {
			continue
		}
		b := a
		if found {
			if b, err = strconv.Atoi(last); err != nil {
				continue
			}
		}
		for p := a; p <= b; p++ {
			out = append(out, p)
		}
	}
	return out
}

func echoTCP(port int, host string) {
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for {
		conn, err := l.Accept()
		if err != nil {
			continue
		}
		fmt.Fprintf(conn, "%s %d\n", host, port)
		_ = conn.Close()
	}
}

func echoUDP(port int, host string) {
	conn, err := net.ListenPacket("udp", fmt.Sprintf(":%d", port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 512)
	for {
		_, from, err := conn.ReadFrom(buf)
		if err != nil {
			continue
		}
		_, _ = conn.WriteTo([]byte(fmt.Sprintf("%s %d\n", host, port)), from)
	}
}
