//! Figure 8: a cache-miss AssumeRole, whole process, over TLS. A loopback STS fake (Python's
//! `http.server` behind `ssl`, answering every AssumeRole with the same document) serves a
//! certificate for 127.0.0.1 signed by a test CA made with `openssl` for this run; each tool
//! trusts the CA the way it is told to: awscred and botocore through `AWS_CA_BUNDLE`, aws-config
//! (rustls with the platform's roots) through `SSL_CERT_FILE`. Every run misses the cache:
//! botocore and aws-config keep none across processes, and awscred's `~/.aws/cli/cache` is a
//! plain file in this fixture, so it can neither read nor store an entry (and goes on without,
//! as the CLI does).

use std::io::{BufRead, BufReader};
use std::process::Child;

use super::*;

const PROFILE: &str = "tls-role";
const KEY_ID: &str = "ASIABENCHTLSROLE0001";

const FAKE: &str = r#"
import http.server, ssl, sys
BODY = b'''<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROABENCH:bench</AssumedRoleId>
<Arn>arn:aws:sts::123456789012:assumed-role/bench/bench</Arn></AssumedRoleUser>
<Credentials><AccessKeyId>ASIABENCHTLSROLE0001</AccessKeyId>
<SecretAccessKey>benchTlsSecret</SecretAccessKey><SessionToken>benchTlsToken</SessionToken>
<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult>
<ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></AssumeRoleResponse>'''
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        self.send_response(200)
        self.send_header('Content-Type', 'text/xml')
        self.send_header('Content-Length', str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// The fake, killed when dropped.
struct Fake(Child);

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Bench {
    pub(super) fn figure_tls_assume_role(&mut self) {
        let setup = self.tls_setup();
        let (fake, env) = match setup {
            Ok((fake, env)) => (Some(fake), env),
            Err(e) => (None, vec![("UNUSED".into(), e)]),
        };
        let tools = if fake.is_some() {
            let with = |extra: &[(&str, &str)]| {
                let mut env = env.clone();
                env.extend(extra.iter().map(|(k, v)| ((*k).into(), (*v).into())));
                env
            };
            let ca = self
                .out_dir
                .join("tls/ca.pem")
                .to_string_lossy()
                .into_owned();
            vec![
                (
                    "awscred",
                    self.awscred_tool(
                        &["export-credentials", "--profile", PROFILE],
                        &with(&[("AWS_CA_BUNDLE", &ca)]),
                    ),
                    Some(KEY_ID),
                ),
                (
                    "aws_config",
                    self.sdk_tool(&["export", PROFILE], &with(&[("SSL_CERT_FILE", &ca)])),
                    Some(KEY_ID),
                ),
                (
                    "botocore",
                    self.botocore(&[PROFILE], &with(&[("AWS_CA_BUNDLE", &ca)])),
                    Some(KEY_ID),
                ),
            ]
        } else {
            let why = env[0].1.clone();
            ["awscred", "aws_config", "botocore"]
                .map(|name| (name, Err(why.clone()), None))
                .into_iter()
                .collect()
        };
        let runs = if self.options.quick { 5 } else { 15 };
        let results = compare_processes(tools, 2, runs);
        drop(fake);
        let get = |name: &str| {
            results
                .iter()
                .find(|(n, _)| n == name)
                .map_or(Err("not run".into()), |(_, r)| r.clone())
        };
        let (ours, sdk, boto) = (get("awscred"), get("aws_config"), get("botocore"));
        let mut row =
            Row::new("8. whole process, AssumeRole cache miss over TLS: median (min–max)");
        row.awscred = show(&ours, Stats::spread);
        row.sdk = show(&sdk, Stats::spread);
        row.botocore = show(&boto, Stats::spread);
        row.ratio = ratios(&ours, &sdk, &boto);
        row.goal = "faster than both".into();
        row.status = match (&ours, &sdk, &boto) {
            (Ok(a), Ok(b), Ok(c)) => Status::of(a.median < b.median && a.median < c.median),
            _ => Status::Pending,
        };
        self.rows.push(row);
        self.record(
            "tls_assume_role_miss",
            obj(vec![
                ("awscred", outcome_json(&ours)),
                ("aws_config", outcome_json(&sdk)),
                ("botocore", outcome_json(&boto)),
            ]),
        );
    }

    /// The CA and the server's certificate, the running fake, the fixture home; the
    /// environment every tool gets (without its CA setting).
    fn tls_setup(&self) -> Result<(Fake, Vec<(String, String)>), String> {
        let dir = self.out_dir.join("tls");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\n\
             keyUsage = digitalSignature\nextendedKeyUsage = serverAuth\n",
        )
        .map_err(|e| format!("cannot write the certificate extensions: {e}"))?;
        let openssl = |args: &[&str]| -> Result<(), String> {
            output_of(Command::new("openssl").args(args).current_dir(&dir)).map(drop)
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        openssl(
            &[
                &["req", "-x509"][..],
                &ec[..],
                &[
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.pem",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=awscred bench CA",
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                ],
            ]
            .concat(),
        )?;
        openssl(
            &[
                &["req"][..],
                &ec[..],
                &[
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=127.0.0.1",
                ],
            ]
            .concat(),
        )?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ])?;
        let python = self.python.clone()?;
        let mut child = Command::new(python)
            .args(["-c", FAKE, &path("server.pem"), &path("server.key")])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the TLS fake: {e}"))?;
        let stdout = child.stdout.take().ok_or("the TLS fake has no stdout")?;
        let fake = Fake(child);
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading the TLS fake's port: {e}"))?;
        let port: u16 = line
            .trim()
            .parse()
            .map_err(|_| format!("the TLS fake printed {line:?}, not its port"))?;
        let home = dir.join("home");
        let write = |rel: &str, text: &str| {
            let file = home.join(rel);
            std::fs::create_dir_all(file.parent().expect("a parent"))
                .and_then(|()| std::fs::write(&file, text))
                .map_err(|e| format!("cannot write {}: {e}", file.display()))
        };
        write(
            ".aws/config",
            &format!(
                "[profile {PROFILE}]\nrole_arn = arn:aws:iam::123456789012:role/bench\n\
                 source_profile = tls-source\nrole_session_name = bench\nregion = us-east-1\n\n\
                 [profile tls-source]\nregion = us-east-1\n"
            ),
        )?;
        write(
            ".aws/credentials",
            "[tls-source]\naws_access_key_id = AKIDBENCHTLSSOURCE01\n\
             aws_secret_access_key = benchTlsSourceSecret\n",
        )?;
        // A file where the cache directory would be: no entry can be read or stored.
        write(".aws/cli/cache", "not a directory\n")?;
        let mut env = self.base_env(&home.to_string_lossy());
        let endpoint = format!("https://127.0.0.1:{port}");
        for (k, v) in &mut env {
            if k == "AWS_ENDPOINT_URL" || k == "AWS_ENDPOINT_URL_STS" {
                *v = endpoint.clone();
            }
        }
        Ok((fake, env))
    }
}
