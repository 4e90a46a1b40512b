"""Certificates made at test time with Debian's openssl: a CA, a server certificate for
localhost/127.0.0.1 signed by it, a second server certificate (for the SIGHUP swap), a client
certificate, expired client and server certificates, and an unrelated CA (the "wrong CA") with
a client certificate of its own."""
import os
import shutil
import subprocess


class OpensslMissing(Exception):
    pass


def _run(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def _key(name, cwd):
    _run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
         name + ".key", cwd=cwd)


def _ca(name, cwd):
    _key(name, cwd)
    _run("req", "-x509", "-new", "-key", name + ".key", "-out", name + ".crt", "-days", "2",
         "-subj", "/CN=" + name, cwd=cwd)


def _signed(name, ca, cn, cwd, ext, days="2", not_after=None):
    _key(name, cwd)
    _run("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn,
         cwd=cwd)
    with open(os.path.join(cwd, name + ".ext"), "w") as f:
        f.write(ext)
    if not_after is None:
        _run("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
             "-CAcreateserial", "-out", name + ".crt", "-days", days, "-extfile", name + ".ext",
             cwd=cwd)
    else:
        # An already expired certificate: "openssl ca" takes explicit validity dates.
        with open(os.path.join(cwd, "index.txt"), "w"):
            pass
        with open(os.path.join(cwd, "ca.cnf"), "w") as f:
            f.write("[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\n"
                    "serial=serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\n"
                    "[p]\ncommonName=supplied\n")
        with open(os.path.join(cwd, "serial"), "w") as f:
            f.write("1000\n")
        _run("ca", "-batch", "-config", "ca.cnf", "-cert", ca + ".crt", "-keyfile", ca + ".key",
             "-in", name + ".csr", "-out", name + ".crt", "-startdate", "20200101000000Z",
             "-enddate", not_after, "-extfile", name + ".ext", "-notext", cwd=cwd)


SERVER_EXT = "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
CLIENT_EXT = "extendedKeyUsage=clientAuth\n"


def make(cwd):
    """Makes every certificate in cwd; returns {name: path}."""
    if not shutil.which("openssl"):
        raise OpensslMissing("openssl is not installed; scripts/install-deps.sh test installs it")
    _ca("ca", cwd)
    _ca("otherca", cwd)
    _signed("server", "ca", "localhost", cwd, SERVER_EXT)
    _signed("server2", "ca", "localhost", cwd, SERVER_EXT)
    _signed("client", "ca", "client", cwd, CLIENT_EXT)
    _signed("expired", "ca", "expired", cwd, CLIENT_EXT, not_after="20200102000000Z")
    _signed("stranger", "otherca", "stranger", cwd, CLIENT_EXT)
    _signed("expiredserver", "ca", "localhost", cwd, SERVER_EXT, not_after="20200102000000Z")
    return {f[:-4] + "." + f[-3:]: os.path.join(cwd, f) for f in os.listdir(cwd)
            if f.endswith((".crt", ".key"))}
