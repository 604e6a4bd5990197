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

// Command kwokpoddeleter is the local cluster's kubelet for the last step of a pod's life on kwok's fake nodes: it
// deletes each terminating pod there with grace period 0, as a kubelet does once the containers stopped, and only
// the pod it saw, by UID precondition. kwok v0.8.0's own pod-delete stage deletes by name from a queue that can
// still hold an event of a pod already gone, so it deleted same-named replacements (the kubelet bug
// kubernetes/kubernetes#25224 fixed the same way); a controller that recreates a pod under its name within
// milliseconds then never settles, as a 1000-pod rollout of make bench showed. kwok still runs those nodes and
// their pods' other stages.
//
// usage: kwokpoddeleter -kubeconfig FILE [-node-selector type=kwok] [-workers 16] [-qps 1000]
package main

import (
	"context"
	"flag"
	"log"
	"os/signal"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
)

// podOnNodeIndex indexes pods by node, to find the terminating pods of a node that becomes fake again.
const podOnNodeIndex = "spec.nodeName"

// podRef names one pod object: a replacement under the same name is another podRef.
type podRef struct {
	Namespace, Name string
	UID             types.UID
}

// finishable says whether a pod's deletion is ours to finish: it is terminating on a node kwok runs.
func finishable(pod *corev1.Pod, fakeNode func(name string) bool) bool {
	return pod.DeletionTimestamp != nil && pod.Spec.NodeName != "" && fakeNode(pod.Spec.NodeName)
}

// deleteOptions deletes at once and only the pod object of ref.
func deleteOptions(ref podRef) metav1.DeleteOptions {
	return metav1.DeleteOptions{
		GracePeriodSeconds: new(int64),
		Preconditions:      &metav1.Preconditions{UID: &ref.UID},
	}
}

// superseded says a delete failed because there is nothing left to do: the pod is gone, or its name now holds
// another pod (the UID precondition failed).
func superseded(err error) bool {
	return apierrors.IsNotFound(err) || apierrors.IsConflict(err)
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster")
	nodeSelector := flag.String("node-selector", "type=kwok", "label selector of the nodes kwok runs (kwok's --manage-nodes-with-label-selector)")
	workers := flag.Int("workers", 16, "concurrent deletes")
	qps := flag.Float64("qps", 1000, "client QPS (burst is twice that)")
	flag.Parse()

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig: %v", err)
	}
	config.QPS, config.Burst = float32(*qps), int(2**qps)
	config.UserAgent = "kwokpoddeleter"
	clientset := kubernetes.NewForConfigOrDie(config)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	pods := informers.NewSharedInformerFactory(clientset, 0).Core().V1().Pods().Informer()
	nodes := informers.NewSharedInformerFactoryWithOptions(clientset, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.LabelSelector = *nodeSelector
	})).Core().V1().Nodes().Informer()
	if err := pods.AddIndexers(cache.Indexers{podOnNodeIndex: func(obj any) ([]string, error) {
		return []string{obj.(*corev1.Pod).Spec.NodeName}, nil
	}}); err != nil {
		log.Fatalf("pod index: %v", err)
	}
	fakeNode := func(name string) bool {
		_, exists, _ := nodes.GetStore().GetByKey(name)
		return exists
	}

	queue := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[podRef]())
	defer queue.ShutDown()
	offer := func(obj any) {
		if pod, ok := obj.(*corev1.Pod); ok && finishable(pod, fakeNode) {
			queue.Add(podRef{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID})
		}
	}
	if _, err := pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    offer,
		UpdateFunc: func(_, obj any) { offer(obj) },
	}); err != nil {
		log.Fatalf("pod handler: %v", err)
	}
	// a node that comes back under kwok (a lost node restored) gets its pods that were deleted meanwhile finished
	offerNode := func(obj any) {
		node, ok := obj.(*corev1.Node)
		if !ok {
			return
		}
		onNode, _ := pods.GetIndexer().ByIndex(podOnNodeIndex, node.Name)
		for _, pod := range onNode {
			offer(pod)
		}
	}
	if _, err := nodes.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: offerNode}); err != nil {
		log.Fatalf("node handler: %v", err)
	}

	go pods.Run(ctx.Done())
	go nodes.Run(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), pods.HasSynced, nodes.HasSynced) {
		log.Fatal("caches did not sync")
	}
	log.Printf("finishing deletions of pods on nodes %q with %d workers", *nodeSelector, *workers)
	for range *workers {
		go func() {
			for {
				ref, shutdown := queue.Get()
				if shutdown {
					return
				}
				err := clientset.CoreV1().Pods(ref.Namespace).Delete(ctx, ref.Name, deleteOptions(ref))
				switch {
				case err == nil:
					log.Printf("deleted pod %s/%s %s", ref.Namespace, ref.Name, ref.UID)
					queue.Forget(ref)
				case superseded(err):
					queue.Forget(ref)
				default:
					log.Printf("deleting pod %s/%s %s: %v", ref.Namespace, ref.Name, ref.UID, err)
					queue.AddRateLimited(ref)
				}
				queue.Done(ref)
			}
		}()
	}
	<-ctx.Done()
}
