"""A target as a network service, and its measurement under load.

* `protocol`: the Open Inference Protocol (KServe v2) request/response bodies, JSON and the binary
  tensor extension, pure functions with errors that name the problem;
* `batcher`: dynamic batching (max_batch_size, max_queue_delay_us) on one inference thread;
* `app`: the Starlette application (health, metadata, infer, a no-op endpoint);
* `cli` (`python -m compressbench.serve`): open a built target and serve it with uvicorn;
* `process`: start a server process, wait for readiness, always stop it (the workflow's job owns it);
* `load`: an open-loop load generator (Poisson arrivals, latency from the scheduled send time);
* `job`: one workflow job (one target, one repeat); `analysis`: what a report states, from the files.
"""
