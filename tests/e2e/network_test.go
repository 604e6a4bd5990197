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

package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/network"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/fakeclb"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/framework"
)

// ask sends one TCP connection or UDP datagram to address and returns the game server's answer: "<pod> <port>".
func ask(protocol, address string) (string, error) {
	conn, err := net.DialTimeout(strings.ToLower(protocol), address, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if protocol == "UDP" {
		if _, err := conn.Write([]byte("who\n")); err != nil {
			return "", err
		}
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line), err
}

// echoing is a game server set whose pods answer on the given TCP and UDP ports.
func echoing(tcp, udp string) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.Template.Spec.Containers[0].Env = append(set.Spec.Template.Spec.Containers[0].Env,
			corev1.EnvVar{Name: "ECHO_TCP_PORTS", Value: tcp}, corev1.EnvVar{Name: "ECHO_UDP_PORTS", Value: udp})
	}
}

func mappingOf(ns, name string) *gstsv1alpha1.PortMapping {
	pm := &gstsv1alpha1.PortMapping{}
	ExpectWithOffset(1, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, pm)).To(Succeed())
	return pm
}

func listenersOf(ns, mapping string) map[string]*gstsv1alpha1.Listener {
	listeners, err := framework.ListenersOf(ctx, k8s, ns, mapping)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return listeners
}

// prober asks addresses over and over in the background and counts the answers that were not the expected.
type prober struct {
	stop     chan struct{}
	done     sync.WaitGroup
	failures atomic.Int32
	asked    atomic.Int32
	mu       sync.Mutex
	first    string
}

func probe(protocol string, expected map[string]string) *prober {
	p := &prober{stop: make(chan struct{})}
	for address, want := range expected {
		p.done.Add(1)
		go func() {
			defer p.done.Done()
			for {
				select {
				case <-p.stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				got, err := ask(protocol, address)
				p.asked.Add(1)
				if err != nil || got != want {
					p.failures.Add(1)
					p.mu.Lock()
					if p.first == "" {
						p.first = fmt.Sprintf("%s answered %q, %v; want %q", address, got, err, want)
					}
					p.mu.Unlock()
				}
			}
		}()
	}
	return p
}

func (p *prober) finish() (asked, failed int32, first string) {
	close(p.stop)
	p.done.Wait()
	return p.asked.Load(), p.failures.Load(), p.first
}

var _ = Describe("Port mappings", func() {
	It("gives each game server its own TCP, UDP and segment ports through the local provider", func() {
		ns := newNamespace()
		pm := &gstsv1alpha1.PortMapping{ObjectMeta: metav1.ObjectMeta{Name: "game", Namespace: ns},
			Spec: gstsv1alpha1.PortMappingSpec{LoadBalancerIDs: []string{"local"}, ReadinessGate: true,
				PortMappings: []gstsv1alpha1.IngressPortMapping{
					{Name: "game", WorkloadKind: "GameStatefulSet", WorkloadName: name, StartPort: 31000, RsStartPort: 7000, EndIndex: 3, Protocol: "TCP"},
					{Name: "voice", WorkloadKind: "GameStatefulSet", WorkloadName: name, StartPort: 31100, RsStartPort: 7100, EndIndex: 3, Protocol: "UDP"},
					{Name: "seg", WorkloadKind: "GameStatefulSet", WorkloadName: name, StartPort: 31200, RsStartPort: 7200, EndIndex: 3, SegmentLength: 4, Protocol: "TCP"},
				}}}
		Expect(k8s.Create(ctx, pm)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(mappingOf(ns, "game").Status.SyncedListeners).To(Equal(int32(9)))
		}).Should(Succeed())
		address := mappingOf(ns, "game").Status.LoadBalancers[0].Address
		Expect(address).NotTo(BeEmpty())

		Expect(k8s.Create(ctx, gameSet(ns, name, 3, parallel, echoing("7000-7002,7200-7211", "7100-7102")))).To(Succeed())
		eventuallyReady(ns, name, 3)
		pods := podsOf(ns, name)
		Expect(pods[1].Spec.ReadinessGates).To(ContainElement(corev1.PodReadinessGate{ConditionType: network.ReadinessGate}))
		Expect(pods[1].Spec.Containers[0].Env).To(ContainElement(corev1.EnvVar{Name: "GSTS_EXTERNAL_GAME_PORT", Value: "31001"}))
		Expect(pods[1].Spec.Containers[0].Env).To(ContainElement(corev1.EnvVar{Name: "GSTS_EXTERNAL_ADDRESS", Value: address}))
		Expect(network.Parse(pods[1].Annotations[network.BindingsAnnotation])).To(HaveLen(3))

		By("every ordinal's ports answer with that ordinal, over TCP and UDP, each port of its segment too")
		answers := func(g Gomega, ordinals ...int32) {
			for _, i := range ordinals {
				pod := fmt.Sprintf("%s-%d", name, i)
				g.Expect(ask("TCP", fmt.Sprintf("%s:%d", address, 31000+i))).To(Equal(fmt.Sprintf("%s %d", pod, 7000+i)))
				g.Expect(ask("UDP", fmt.Sprintf("%s:%d", address, 31100+i))).To(Equal(fmt.Sprintf("%s %d", pod, 7100+i)))
				for k := int32(0); k < 4; k++ {
					g.Expect(ask("TCP", fmt.Sprintf("%s:%d", address, 31200+4*i+k))).To(Equal(fmt.Sprintf("%s %d", pod, 7200+4*i+k)))
				}
			}
		}
		Eventually(func(g Gomega) { answers(g, 0, 1, 2) }).WithTimeout(30 * time.Second).Should(Succeed())
		listenerID := listenersOf(ns, "game")["game-local-tcp-31001"].Status.ListenerID
		Expect(listenerID).NotTo(BeEmpty())

		By("deleting pod 1: its port goes dark and comes back on the new pod, the others never fail")
		others := probe("TCP", map[string]string{
			fmt.Sprintf("%s:31000", address): name + "-0 7000", fmt.Sprintf("%s:31002", address): name + "-2 7002"})
		Expect(k8s.Delete(ctx, pods[1])).To(Succeed())
		Eventually(func() error {
			_, err := ask("TCP", fmt.Sprintf("%s:31001", address))
			return err
		}).WithTimeout(30*time.Second).WithPolling(50*time.Millisecond).ShouldNot(Succeed(), "pod 1's port stayed up while it was deleted")
		Eventually(func(g Gomega) {
			now := podsOf(ns, name)
			g.Expect(now).To(HaveKey(int32(1)))
			g.Expect(now[1].UID).NotTo(Equal(pods[1].UID))
			answers(g, 1)
		}).Should(Succeed())
		asked, failed, first := others.finish()
		Expect(asked).To(BeNumerically(">", 10))
		Expect(failed).To(BeZero(), first)
		Expect(listenersOf(ns, "game")["game-local-tcp-31001"].Status.ListenerID).To(Equal(listenerID))

		By("scaling to 5: no listener beyond endIndex")
		Expect(kubectl("-n", ns, "scale", "gamestatefulset", name, "--replicas=5")).Error().NotTo(HaveOccurred())
		eventuallyReady(ns, name, 5)
		Expect(listenersOf(ns, "game")).To(HaveLen(9))
		Expect(podsOf(ns, name)[4].Annotations).NotTo(HaveKey(network.BindingsAnnotation))

		By("scaling to 1: the listeners of 1 and 2 stay, empty, and their ports are dark")
		Expect(kubectl("-n", ns, "scale", "gamestatefulset", name, "--replicas=1")).Error().NotTo(HaveOccurred())
		eventuallyReady(ns, name, 1)
		Eventually(func(g Gomega) {
			listeners := listenersOf(ns, "game")
			g.Expect(listeners).To(HaveLen(9))
			for _, l := range listeners {
				if l.Labels[network.OrdinalLabel] == "0" {
					continue
				}
				g.Expect(l.Spec.TargetGroup.Backends).To(BeEmpty(), l.Name)
				g.Expect(network.Synced(l)).To(BeTrue(), l.Name)
			}
			_, err := ask("TCP", fmt.Sprintf("%s:31002", address))
			g.Expect(err).To(HaveOccurred())
		}).Should(Succeed())
		Eventually(func(g Gomega) { answers(g, 0) }).Should(Succeed())

		By("kubectl shows the mapping and its listeners")
		out, err := kubectl("-n", ns, "get", "portmappings")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(MatchRegexp(`game\s+local\s+9\s+9\s+1\s+True`))
		out, err = kubectl("-n", ns, "get", "listeners.tkex.tencent.com")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("game-local-tcp-31000"))

		if prometheusAddress != "" {
			// the dashboard's "Listeners by state" panel is checked at the suite's end over its whole run, and
			// these and the tencentcloud spec's are the suite's only listeners, each there for about 10 s: one
			// warm CI run's Prometheus held no sample of either (why is not known; the leader alone reports the
			// gauge, at each 5 s scrape), so the spec keeps them until one is scraped, and says so if none is
			By("Prometheus has scraped the listeners' gauge before they go")
			Eventually(func(g Gomega) {
				g.Expect(promQuery(g, prometheusAddress, `gamestatefulset_listeners{namespace="`+ns+`"}`, time.Time{})).NotTo(BeEmpty())
			}).WithTimeout(time.Minute).WithPolling(time.Second).Should(Succeed())
		}

		By("deleting the mapping removes every Service, EndpointSlice and Listener")
		Expect(k8s.Delete(ctx, mappingOf(ns, "game"))).To(Succeed())
		Eventually(func(g Gomega) {
			var services corev1.ServiceList
			g.Expect(k8s.List(ctx, &services, client.InNamespace(ns), client.HasLabels{network.LocalServiceLabel})).To(Succeed())
			g.Expect(services.Items).To(BeEmpty())
			var slices discoveryv1.EndpointSliceList
			g.Expect(k8s.List(ctx, &slices, client.InNamespace(ns), client.HasLabels{network.LocalListenerLabel})).To(Succeed())
			g.Expect(slices.Items).To(BeEmpty())
			g.Expect(listenersOf(ns, "game")).To(BeEmpty())
		}).Should(Succeed())
		Eventually(func() error {
			_, err := ask("TCP", fmt.Sprintf("%s:31000", address))
			return err
		}).Should(HaveOccurred(), "the port answers after its Service was deleted")
	})

	It("sends a player through the tencentcloud provider: the real SDK against a fake CLB mirrored into the cluster", func() {
		ns := newNamespace()
		host := hostAddress()
		fake := fakeclb.New("AKID-e2e", "e2e-secret")
		fake.AddLoadBalancer("lb-e2e", host)
		mirror := &fakeclb.Mirror{Client: k8s, Namespace: ns, Errs: func(err error) { GinkgoWriter.Println(err) }}
		fake.OnChange = mirror.Sync
		endpoint, stop, err := fake.Start("0.0.0.0:" + fakeCLBPort)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(stop)
		_, port, _ := net.SplitHostPort(endpoint)
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "gsts-tencentcloud", Namespace: operatorNamespace},
			StringData: map[string]string{"secretId": "AKID-e2e", "secretKey": "e2e-secret", "region": "ap-guangzhou",
				"endpoint": net.JoinHostPort(host, port), "scheme": "http"}}
		_ = k8s.Delete(ctx, secret)
		Expect(k8s.Create(ctx, secret)).To(Succeed())
		DeferCleanup(func() { _ = k8s.Delete(ctx, secret) })

		Expect(k8s.Create(ctx, &gstsv1alpha1.PortMapping{ObjectMeta: metav1.ObjectMeta{Name: "clb", Namespace: ns},
			Spec: gstsv1alpha1.PortMappingSpec{Provider: gstsv1alpha1.TencentCloudProvider, LoadBalancerIDs: []string{"ap-guangzhou:lb-e2e"},
				PortMappings: []gstsv1alpha1.IngressPortMapping{{WorkloadKind: "GameStatefulSet", WorkloadName: name,
					StartPort: 31300, RsStartPort: 7000, EndIndex: 3, Protocol: "TCP"}}}})).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(ns, name, 3, parallel, echoing("7000-7002", "")))).To(Succeed())
		eventuallyReady(ns, name, 3)
		Eventually(func(g Gomega) {
			pm := mappingOf(ns, "clb")
			g.Expect(pm.Status.BoundPods).To(Equal(int32(3)))
			g.Expect(meta.IsStatusConditionTrue(pm.Status.Conditions, "Ready")).To(BeTrue())
			g.Expect(pm.Status.LoadBalancers[0].Address).To(Equal(host))
			for i := int32(0); i < 3; i++ {
				g.Expect(ask("TCP", fmt.Sprintf("%s:%d", host, 31300+i))).To(Equal(fmt.Sprintf("%s-%d %d", name, i, 7000+i)))
			}
		}).Should(Succeed())
		Expect(fake.CallsOf("CreateListener")).To(HaveLen(3), "one CreateListener per listener")
		l1 := listenersOf(ns, "clb")["clb-ap-guangzhou-lb-e2e-tcp-31301"]
		Expect(l1.Status.ListenerID).To(HavePrefix("lbl-"))

		By("a recreated pod is deregistered, then registered on the same listener id; a throttled call heals by itself")
		fake.ResetCalls()
		fake.FailNext("RegisterTargets", "RequestLimitExceeded", 3)
		pods := podsOf(ns, name)
		Expect(k8s.Delete(ctx, pods[1])).To(Succeed())
		Eventually(func(g Gomega) {
			now := podsOf(ns, name)
			g.Expect(now).To(HaveKey(int32(1)))
			g.Expect(now[1].UID).NotTo(Equal(pods[1].UID))
			g.Expect(ask("TCP", fmt.Sprintf("%s:31301", host))).To(Equal(name + "-1 7001"))
			g.Expect(network.Synced(listenersOf(ns, "clb")[l1.Name])).To(BeTrue())
		}).Should(Succeed())
		var writes []string
		for _, c := range fake.Calls() {
			if strings.HasPrefix(c.Action, "Describe") {
				continue
			}
			Expect(c.ListenerID).To(Equal(l1.Status.ListenerID), "%s on another listener", c.Action)
			writes = append(writes, strings.TrimSuffix(c.Action+"!"+c.ErrorCode, "!"))
		}
		Expect(strings.Join(writes, " ")).To(MatchRegexp(`^DeregisterTargets( DeregisterTargets)* (RegisterTargets!RequestLimitExceeded ){3}RegisterTargets$`))

		By("deleting the mapping deletes the listeners on the load balancer")
		Expect(k8s.Delete(ctx, mappingOf(ns, "clb"))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(fake.Listeners()).To(BeEmpty())
			g.Expect(listenersOf(ns, "clb")).To(BeEmpty())
		}).Should(Succeed())
		var deleted []string
		for _, c := range fake.CallsOf("DeleteLoadBalancerListeners") {
			deleted = append(deleted, c.ListenerID)
		}
		sort.Strings(deleted)
		Expect(deleted).To(HaveLen(3))
	})
})

// fakeCLBPort is where the fake CLB listens on this machine, for the operator's pod to reach; fixed, so that the
// operator's cached credentials Secret stays right across runs.
var fakeCLBPort = envOr("GSTS_E2E_FAKE_CLB_PORT", "18080")

// hostAddress is an address of this machine that pods reach and that forwards node ports: on the local cluster
// the node's IP is this machine's bridge (GSTS_E2E_HOST_ADDRESS overrides it elsewhere).
func hostAddress() string {
	if a := os.Getenv("GSTS_E2E_HOST_ADDRESS"); a != "" {
		return a
	}
	var nodes corev1.NodeList
	Expect(k8s.List(ctx, &nodes)).To(Succeed())
	// the oldest node, as the local provider picks it: the cluster's own, registered before the kwok nodes
	sort.Slice(nodes.Items, func(i, j int) bool {
		a, b := nodes.Items[i].CreationTimestamp, nodes.Items[j].CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return nodes.Items[i].Name < nodes.Items[j].Name
	})
	for _, n := range nodes.Items {
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				return a.Address
			}
		}
	}
	Fail("no node has an InternalIP")
	return ""
}
