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

package integration

import (
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/controllers"
)

var _ = Describe("Status writes", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("writes the progress of a one-pod-at-a-time scale-down at most once per interval, and its end", func() {
		const replicas = 12
		Expect(k8s.Create(ctx, gameSet(ns, "web", replicas))).To(Succeed())
		eventuallyAllReady(ns, "web", replicas)
		writes := watchStatusWrites(ns, "web")

		events := watchPods(ns, "web")
		for range replicas {
			Expect(events.next()).To(HavePrefix("ADDED "))
		}

		start := time.Now()
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](0) })
		for ordinal := replicas - 1; ordinal >= 0; ordinal-- {
			Expect(events.next()).To(Equal("DELETED web-" + itoa(int32(ordinal))))
		}
		Eventually(func(g Gomega) {
			set := getSet(ns, "web")
			g.Expect(set.Status.Replicas).To(BeZero())
			g.Expect(set.Status.ObservedGeneration).To(Equal(set.Generation))
			g.Expect(conditionMessage(set, gstsv1alpha1.ConditionProgressing)).To(HavePrefix("RolloutComplete"))
		}).Should(Succeed())
		elapsed := time.Since(start)

		// the spec change at once, the progress at most once per interval, the end; a write per step would be 13
		Eventually(writes.count).Should(BeNumerically(">=", 2))
		bound := 2 + int(math.Ceil(float64(elapsed)/float64(controllers.DefaultStatusProgressInterval)))
		Expect(writes.count()).To(BeNumerically("<=", bound), "status writes of a %d-pod scale-down that took %v", replicas, elapsed)
	})

	It("writes the progress it held back while the set waits for a pod", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 3))).To(Succeed())
		Eventually(func() int32 { return getSet(ns, "web").Status.Replicas }).Should(Equal(int32(1)))
		// at once after that write: web-1's creation and web-0's readiness are progress within the interval, and
		// nothing changes after them while web-1 is never Ready
		Expect(kubeletRuns(podsOf(ns, "web")[0])).To(Succeed())
		Eventually(func(g Gomega) {
			status := getSet(ns, "web").Status
			g.Expect(status.Replicas).To(Equal(int32(2)))
			g.Expect(status.ReadyReplicas).To(Equal(int32(1)))
		}).WithTimeout(3 * controllers.DefaultStatusProgressInterval).Should(Succeed())
		Expect(podNames(podsOf(ns, "web"))).To(ConsistOf("web-0", "web-1"))
	})
})

// statusWrites counts the changes of a set's status seen by a watch.
type statusWrites struct{ changes chan struct{} }

func watchStatusWrites(ns, name string) *statusWrites {
	watcher, err := client.NewWithWatch(cfg, client.Options{Scheme: k8s.Scheme()})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	set := getSet(ns, name)
	w, err := watcher.Watch(ctx, &gstsv1alpha1.GameStatefulSetList{}, client.InNamespace(ns),
		client.MatchingFields{"metadata.name": name}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: set.ResourceVersion}})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	DeferCleanup(w.Stop)
	sw := &statusWrites{changes: make(chan struct{}, 1000)}
	go func() {
		last := set.Status
		for ev := range w.ResultChan() {
			if s, ok := ev.Object.(*gstsv1alpha1.GameStatefulSet); ok && ev.Type == watch.Modified && !apiequality.Semantic.DeepEqual(last, s.Status) {
				last = s.Status
				sw.changes <- struct{}{}
			}
		}
	}()
	return sw
}

func (sw *statusWrites) count() int { return len(sw.changes) }
