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

// Command coredns is CoreDNS with the plugins a cluster's DNS needs (the kubernetes plugin's Service and pod
// records, forwarding, caching), built the way CoreDNS documents external builds: its coremain with a chosen
// plugin list. The full build links every cloud provider's SDK, three times the compile on 2 cores.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loop"
)

var linked = map[string]bool{"bind": true, "cache": true, "errors": true, "forward": true, "kubernetes": true, "loop": true}

func main() {
	// CoreDNS runs the plugins of a server block in this order; keep its order, only the linked ones
	var directives []string
	for _, d := range dnsserver.Directives {
		if linked[d] {
			directives = append(directives, d)
		}
	}
	dnsserver.Directives = directives
	coremain.Run()
}
