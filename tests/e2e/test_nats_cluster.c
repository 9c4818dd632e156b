/* End-to-end test of --to=nats:// against a 3-node JetStream cluster on
 * 127.0.0.1 with an R3 stream: the node atail is connected to is killed
 * (SIGKILL) mid-stream and started again later; atail goes on through the
 * other nodes (learnt from the cluster), and the stream holds every line
 * once, in order (20,000 lines at 4,000/s; under valgrind 4,000 at 800/s). */
#include "nats_common.h"

TestSuite(nats_cluster, .fini = kill_scratch_procs, .timeout = 240);

struct node {
    struct server s;
    int cport;
    char name[8];
};

static void node_start(struct node *n, const struct node *all)
{
    char cl[64], routes[200];
    snprintf(cl, sizeof cl, "nats://127.0.0.1:%d", n->cport);
    size_t k = 0;
    routes[0] = '\0';
    for (int i = 0; i < 3; i++)
        if (&all[i] != n)
            k += (size_t)snprintf(routes + k, sizeof routes - k, "%snats://127.0.0.1:%d",
                                  k ? "," : "", all[i].cport);
    n->s.store = scratch_path(n->name);
    const char *extra[] = {"-n", n->name,    "--cluster_name", "atail", "--cluster",
                           cl,   "--routes", routes,           NULL};
    server_start_args(&n->s, extra);
}

Test(nats_cluster, r3_stream_survives_the_node_atail_uses)
{
    struct node nodes[3] = {{.name = "n1"}, {.name = "n2"}, {.name = "n3"}};
    for (int i = 0; i < 3; i++) {
        nodes[i].s.port = free_port();
        snprintf(nodes[i].s.url, sizeof nodes[i].s.url, "nats://127.0.0.1:%d", nodes[i].s.port);
        nodes[i].cport = free_port();
    }
    for (int i = 0; i < 3; i++)
        node_start(&nodes[i], nodes);
    /* The R3 stream, once the cluster has a JetStream meta leader. */
    struct server *s1 = &nodes[0].s, *s2 = &nodes[1].s;
    long long deadline = now_ms() + 3 * WAIT_MS;
    bool made = false;
    while (!made && now_ms() < deadline) {
        const char *args[] = {"create", "LOGS", "logs.>", "0", "0", "3", NULL};
        struct proc *p = jstool(s2, args);
        made = exit_code(p) == 0;
        proc_free(p);
        if (!made)
            sleep_ms(250);
    }
    cr_assert(made, "the R3 stream could not be made");
    const char *path = scratch_path("app.log");
    /* Under valgrind (slower), a fifth as many lines, as fast. */
    const long n = harness_valgrind() ? 4000 : 20000, rate = n / 5;
    struct proc *w = writer_start(path, n, rate);
    struct proc *a = shipper(s1, path, NULL); /* connected to node 1 */
    cr_assert_geq(stream_wait_count(s2, "LOGS", n / 5), n / 5, "atail: %s", a->err.data);
    server_stop(s1, SIGKILL);
    expect_stderr(a, "atail: connection to nats://127.0.0.1:", "lost");
    expect_stderr(a, "atail: reconnected to", "reconnected");
    cr_assert_geq(stream_wait_count(s2, "LOGS", n * 3 / 5), n * 3 / 5, "atail: %s", a->err.data);
    node_start(&nodes[0], nodes);
    cr_assert(proc_wait_exit(w, 3 * WAIT_MS));
    cr_assert_eq(stream_wait_count(s2, "LOGS", n), n, "atail: %s", a->err.data);
    expect_stream_seq(s2, "LOGS", n);
    cr_assert(running(a), "atail ended: %s", a->err.data);
    stop_by(a, SIGTERM);
    proc_free(a);
    proc_free(w);
}
