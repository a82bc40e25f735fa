//! moto's server (`moto_server`, from the workspace venv) on a free loopback port: started on
//! demand, waited for, and killed when dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `moto_server`.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    port: u16,
}

impl MotoServer {
    /// Starts `moto_server -H 127.0.0.1 -p PORT` on a fresh port and waits (up to 60 s) until it
    /// answers HTTP.
    pub fn start() -> MotoServer {
        let python = crate::python();
        let bin = python.with_file_name("moto_server");
        let port = crate::free_port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let server = MotoServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if server.request("GET", "/moto-api/data.json", "").is_ok() {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Sends a plain HTTP/1.1 request and returns the status and body.
    pub fn request(&self, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: text/plain\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other("not an HTTP response"))?;
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        Ok((status, body))
    }

    /// Turns moto's IAM authentication and signature checks on from the next request
    /// (`POST /moto-api/reset-auth` with `0` requests left unchecked).
    pub fn enable_auth(&self) {
        let (status, body) = self
            .request("POST", "/moto-api/reset-auth", "0")
            .expect("reset-auth");
        assert_eq!(status, 200, "reset-auth: {body}");
    }

    /// Creates the IAM user `u` allowed every `sts:*` action, and each of `roles` (trusting
    /// anyone, allowed `sts:*`) in account 123456789012; returns the user's access key id and
    /// secret. Call before [`enable_auth`](MotoServer::enable_auth).
    pub fn iam_user_with_roles(&self, roles: &[&str]) -> (String, String) {
        let names: Vec<String> = roles.iter().map(|r| format!("'{r}'")).collect();
        let out = self.run_python(&format!(
            "import boto3, json\n\
             iam = boto3.client('iam')\n\
             iam.create_user(UserName='u')\n\
             key = iam.create_access_key(UserName='u')['AccessKey']\n\
             allow = json.dumps({{'Version': '2012-10-17', 'Statement': [{{'Effect': 'Allow', 'Action': 'sts:*', 'Resource': '*'}}]}})\n\
             trust = json.dumps({{'Version': '2012-10-17', 'Statement': [{{'Effect': 'Allow', 'Principal': {{'AWS': '*'}}, 'Action': 'sts:AssumeRole'}}]}})\n\
             iam.put_user_policy(UserName='u', PolicyName='sts', PolicyDocument=allow)\n\
             for name in [{}]:\n\
             \x20   iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)\n\
             \x20   iam.put_role_policy(RoleName=name, PolicyName='sts', PolicyDocument=allow)\n\
             print(key['AccessKeyId'])\n\
             print(key['SecretAccessKey'])\n",
            names.join(", ")
        ));
        let mut lines = out.lines().map(str::to_owned);
        match (lines.next(), lines.next()) {
            (Some(id), Some(secret)) => (id, secret),
            _ => panic!("the IAM setup printed {out:?}"),
        }
    }

    /// Runs a Python script with boto3 pointed at this server (`AWS_ENDPOINT_URL`, dummy
    /// credentials, region us-east-1) and returns its standard output.
    pub fn run_python(&self, script: &str) -> String {
        let output = Command::new(crate::python())
            .args(["-c", script])
            .env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_CONFIG_FILE")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .output()
            .expect("python runs");
        assert!(
            output.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
