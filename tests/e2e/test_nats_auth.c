/* End-to-end tests of --to=nats:// security: a user and password from the
 * environment or a file (a wrong one fails clearly, and no secret is ever
 * printed), credentials refused in a URL, TLS with a CA file (certificates
 * made with openssl by the test; the server's is verified: another CA
 * fails). */
#include "nats_common.h"

TestSuite(nats_auth, .fini = kill_scratch_procs, .timeout = 120);

static void expect_no_secret(const struct proc *p, const char *secret)
{
    cr_assert_null(strstr(p->err.data, secret), "a secret was printed: %s", p->err.data);
    cr_assert_null(strstr(p->out.data, secret), "a secret was printed: %s", p->out.data);
}

/* atail -n +1 --to=URL [extra...] PATH, to its end. */
static struct proc *ship_once(const char *url, const char *path, const char *const *extra)
{
    char to[96];
    snprintf(to, sizeof to, "--to=%s", url);
    const char *argv[16] = {atail(), "-n", "+1", to};
    size_t n = 4;
    for (size_t i = 0; extra && extra[i] && n < 14; i++)
        argv[n++] = extra[i];
    argv[n++] = path;
    argv[n] = NULL;
    return run(argv, NULL, 0, 3 * WAIT_MS);
}

Test(nats_auth, user_and_password)
{
    struct server s = {0};
    const char *auth[] = {"--user", "shipper", "--pass", "s3cret-pw", NULL};
    server_start_args(&s, auth);
    const char *path = scratch_path("app.log");
    write_str(path, "seq=1 a\nseq=2 b\n");
    write_str(scratch_path("wrong"), "not-the-pw\n");
    char pwfile[300];
    snprintf(pwfile, sizeof pwfile, "--nats-password-file=%s", scratch_path("wrong"));
    const char *wrong[] = {"--nats-user=shipper", pwfile, NULL};
    struct proc *p = ship_once(s.url, path, wrong);
    cr_assert_eq(exit_code(p), 1, "%s", p->err.data);
    cr_assert_not_null(strstr(p->err.data, "atail: cannot connect to nats://127.0.0.1:"), "%s",
                       p->err.data);
    cr_assert_not_null(strstr(p->err.data, "uthorization"), "%s", p->err.data);
    expect_no_secret(p, "not-the-pw");
    proc_free(p);

    setenv("ATAIL_NATS_USER", "shipper", 1);
    setenv("ATAIL_NATS_PASSWORD", "s3cret-pw", 1);
    const char *create[] = {"--create-stream=LOGS", NULL};
    p = ship_once(s.url, path, create);
    cr_assert_eq(exit_code(p), 0, "%s", p->err.data);
    expect_no_secret(p, "s3cret-pw");
    proc_free(p);
    char url[96];
    snprintf(url, sizeof url, "%s/LOGS", s.url);
    const char *argv[] = {atail(), "-n", "5", url, NULL};
    p = run(argv, NULL, 0, WAIT_MS);
    cr_assert_eq(exit_code(p), 0, "%s", p->err.data);
    cr_assert_str_eq(p->out.data, "seq=1 a\nseq=2 b\n");
    proc_free(p);
    unsetenv("ATAIL_NATS_USER");
    unsetenv("ATAIL_NATS_PASSWORD");
}

Test(nats_auth, credentials_refused_in_a_url)
{
    const char *argv[] = {atail(), "--to=nats://u:pw@127.0.0.1:4222", "/dev/null", NULL};
    struct proc *p = run(argv, NULL, 0, WAIT_MS);
    cr_assert_eq(exit_code(p), 1);
    cr_assert_not_null(strstr(p->err.data, "atail: credentials in a URL are visible"), "%s",
                       p->err.data);
    expect_no_secret(p, "pw@");
    proc_free(p);
}

/* A CA and a server certificate for 127.0.0.1 signed by it, and another
 * CA, in the scratch directory. */
static void make_certs(void)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && printf 'subjectAltName=IP:127.0.0.1\\n' >san.ext && "
             "for ca in ca other; do openssl req -x509 -newkey ec -pkeyopt "
             "ec_paramgen_curve:prime256v1 -nodes -keyout $ca.key -out $ca.pem -days 2 "
             "-subj /CN=atail-test-$ca 2>/dev/null || exit 1; done && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "
             "server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null && "
             "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out "
             "server.pem -days 2 -extfile san.ext 2>/dev/null",
             scratch_dir());
    struct proc *p = run_sh(cmd, WAIT_MS);
    cr_assert_eq(exit_code(p), 0, "openssl: %s", p->err.data);
    proc_free(p);
}

Test(nats_auth, tls_with_a_ca_file)
{
    make_certs();
    struct server s = {0};
    const char *tls[] = {
        "--tls", "--tlscert", scratch_path("server.pem"), "--tlskey", scratch_path("server.key"),
        NULL};
    server_start_args(&s, tls);
    char url[64];
    snprintf(url, sizeof url, "tls://127.0.0.1:%d", s.port);
    const char *path = scratch_path("app.log");
    write_str(path, "seq=1 over tls\n");

    char ca[300], other_ca[300];
    snprintf(ca, sizeof ca, "--nats-ca=%s", scratch_path("ca.pem"));
    snprintf(other_ca, sizeof other_ca, "--nats-ca=%s", scratch_path("other.pem"));
    const char *other[] = {"--create-stream=LOGS", other_ca, NULL};
    struct proc *p = ship_once(url, path, other);
    cr_assert_eq(exit_code(p), 1, "%s", p->err.data);
    cr_assert_not_null(strstr(p->err.data, "atail: cannot "), "%s", p->err.data);
    cr_assert_not_null(strstr(p->err.data, ": SSL handshake error: "), "%s", p->err.data);
    cr_assert_not_null(strstr(p->err.data, "issuer certificate"), "%s", p->err.data);
    proc_free(p);

    const char *good[] = {"--create-stream=LOGS", ca, NULL};
    p = ship_once(url, path, good);
    cr_assert_eq(exit_code(p), 0, "%s", p->err.data);
    proc_free(p);
    char surl[96];
    snprintf(surl, sizeof surl, "%s/LOGS", url);
    const char *argv[] = {atail(), ca, surl, NULL};
    p = run(argv, NULL, 0, WAIT_MS);
    cr_assert_eq(exit_code(p), 0, "%s", p->err.data);
    cr_assert_str_eq(p->out.data, "seq=1 over tls\n");
    proc_free(p);
}
