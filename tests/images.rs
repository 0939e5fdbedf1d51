//! Built images read without a daemon, from images made here from nothing with Debian's
//! `umoci` (OCI layouts) and `skopeo` (docker archives, zstd layers) — never pulled from a
//! registry. `.ci/test` installs both.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use stiglint::input::image::{self, Bounds, ImageError, Kind};

fn tool(program: &str, args: &[&str], dir: &Path) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} (Debian package {program}; .ci/test installs it): {e}")
        });
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A layer tar written by Python's tarfile (what `umoci raw add-layer` then adds as is): for
/// the entries no file system can hold, whiteouts and paths that leave the root.
fn python_tar(dir: &Path, name: &str, script: &str) -> PathBuf {
    let path = dir.join(name);
    let program = format!(
        "import io, tarfile, sys\nt = tarfile.open(sys.argv[1], 'w')\ndef add(name, data=b'', mode=0o644, kind=tarfile.REGTYPE, link=''):\n    i = tarfile.TarInfo(name); i.mode = mode; i.type = kind; i.linkname = link; i.size = len(data) if kind == tarfile.REGTYPE else 0\n    t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)\n{script}\nt.close()\n"
    );
    let ok = Command::new("python3")
        .arg("-c")
        .arg(program)
        .arg(&path)
        .status()
        .expect("python3")
        .success();
    assert!(ok, "python tarfile");
    path
}

/// A new image `layout:<tag>` whose one layer is a tar from [`python_tar`].
fn image_of(root: &Path, tag: &str, script: &str) {
    tool("umoci", &["new", "--image", &format!("layout:{tag}")], root);
    let layer = python_tar(root, &format!("{tag}.tar"), script);
    tool(
        "umoci",
        &[
            "raw",
            "add-layer",
            "--image",
            &format!("layout:{tag}"),
            layer.to_str().expect("utf-8"),
        ],
        root,
    );
}

const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n";

/// An OCI layout `layout:app` of three layers: a root filesystem (umoci repack of a directory),
/// a layer deleting a file (umoci's whiteout), and a hand-made layer with an opaque whiteout.
fn build_layout(root: &Path) -> PathBuf {
    tool("umoci", &["init", "--layout", "layout"], root);
    tool("umoci", &["new", "--image", "layout:app"], root);
    tool(
        "umoci",
        &["unpack", "--rootless", "--image", "layout:app", "bundle"],
        root,
    );
    let fs = root.join("bundle/rootfs");
    for dir in [
        "etc",
        "bin",
        "usr/bin",
        "opt/old",
        "srv/data",
        "tmp",
        "root/.ssh",
    ] {
        std::fs::create_dir_all(fs.join(dir)).expect("mkdir");
    }
    std::fs::write(
        fs.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/sbin/nologin\n",
    )
    .expect("passwd");
    std::fs::write(fs.join("usr/bin/busybox"), b"\x7fELF busybox").expect("busybox");
    std::os::unix::fs::symlink("../usr/bin/busybox", fs.join("bin/sh")).expect("symlink");
    std::fs::write(fs.join("usr/bin/su"), b"\x7fELF su").expect("su");
    std::fs::write(fs.join("opt/old/gone.txt"), "deleted later").expect("gone");
    std::fs::write(
        fs.join("srv/data/lower.txt"),
        "hidden by an opaque whiteout",
    )
    .expect("lower");
    std::fs::write(fs.join("root/.ssh/id_ed25519"), KEY).expect("key");
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(
        fs.join("usr/bin/su"),
        std::fs::Permissions::from_mode(0o4755),
    )
    .expect("setuid");
    std::fs::set_permissions(fs.join("tmp"), std::fs::Permissions::from_mode(0o1777))
        .expect("sticky");
    tool(
        "umoci",
        &[
            "repack",
            "--image",
            "layout:app",
            "--history.created_by",
            "COPY rootfs /",
            "bundle",
        ],
        root,
    );
    // A repack diffs against the image its bundle was unpacked from: unpack again to stack.
    tool(
        "umoci",
        &["unpack", "--rootless", "--image", "layout:app", "bundle2"],
        root,
    );
    std::fs::remove_file(root.join("bundle2/rootfs/opt/old/gone.txt")).expect("rm");
    tool(
        "umoci",
        &[
            "repack",
            "--image",
            "layout:app",
            "--history.created_by",
            "RUN rm /opt/old/gone.txt",
            "bundle2",
        ],
        root,
    );
    let layer = python_tar(
        root,
        "opaque.tar",
        "add('srv/data/.wh..wh..opq')\nadd('srv/data/upper.txt', b'new')\n",
    );
    tool(
        "umoci",
        &[
            "raw",
            "add-layer",
            "--image",
            "layout:app",
            "--history.created_by",
            "RUN replace /srv/data",
            layer.to_str().expect("utf-8"),
        ],
        root,
    );
    tool(
        "umoci",
        &[
            "config",
            "--image",
            "layout:app",
            "--config.user",
            "toor",
            "--config.exposedports",
            "22/tcp",
        ],
        root,
    );
    root.join("layout")
}

#[test]
fn a_layout_and_its_docker_archive_give_the_same_final_filesystem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let layout = build_layout(dir.path());
    let image = image::read_layout(&layout, Bounds::default()).expect("layout");
    assert_eq!(image.names, vec!["app".to_owned()]);
    assert_eq!(image.config.user, "toor");
    assert_eq!(image.config.exposed_ports, vec!["22/tcp".to_owned()]);
    assert_eq!(image.layers.len(), 3);
    assert_eq!(image.layers[0].created_by.as_deref(), Some("COPY rootfs /"));
    assert_eq!(
        image.layers[2].created_by.as_deref(),
        Some("RUN replace /srv/data")
    );
    // Whiteouts: the deleted file and the opaque directory's lower content are gone.
    assert!(!image.files.contains_key("/opt/old/gone.txt"));
    assert!(image.files.contains_key("/opt/old"));
    assert!(!image.files.contains_key("/srv/data/lower.txt"));
    assert_eq!(image.files["/srv/data/upper.txt"].layer, 2);
    // Metadata, links, kept texts and markers.
    assert_eq!(image.files["/usr/bin/su"].mode, 0o4755);
    assert_eq!(image.files["/tmp"].mode, 0o1777);
    assert_eq!(image.files["/bin/sh"].kind, Kind::Symlink);
    assert_eq!(
        image.resolve("/bin/sh").as_deref(),
        Some("/usr/bin/busybox")
    );
    assert!(image.contents["/etc/passwd"].contains("toor:x:0:0"));
    assert_eq!(
        image.markers["/root/.ssh/id_ed25519"],
        vec!["private-key".to_owned()]
    );

    // The same image as a docker archive (skopeo) and with zstd layers.
    let archive = dir.path().join("app.tar");
    tool(
        "skopeo",
        &[
            "copy",
            "oci:layout:app",
            &format!("docker-archive:{}:example/app:1", archive.display()),
        ],
        dir.path(),
    );
    let from_archive = image::read_archive(&archive, Bounds::default()).expect("archive");
    assert_eq!(
        from_archive.names,
        vec!["docker.io/example/app:1".to_owned()]
    );
    assert_eq!(from_archive.files, image.files);
    assert_eq!(from_archive.markers, image.markers);
    assert_eq!(from_archive.config.user, image.config.user);
    tool(
        "skopeo",
        &[
            "copy",
            "--dest-compress-format",
            "zstd",
            "oci:layout:app",
            "oci:zstd:app",
        ],
        dir.path(),
    );
    let zstd = dir.path().join("zstd");
    let index = std::fs::read_to_string(zstd.join("index.json")).expect("index");
    let manifest_digest =
        serde_json::from_str::<serde_json::Value>(&index).expect("json")["manifests"][0]["digest"]
            .as_str()
            .expect("digest")
            .to_owned();
    let manifest = std::fs::read_to_string(
        zstd.join("blobs/sha256")
            .join(manifest_digest.trim_start_matches("sha256:")),
    )
    .expect("manifest");
    assert!(manifest.contains("tar+zstd"), "{manifest}");
    let from_zstd = image::read_layout(&zstd, Bounds::default()).expect("zstd layout");
    assert_eq!(from_zstd.files, image.files);
}

#[test]
fn bad_images_are_errors_that_name_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    tool("umoci", &["init", "--layout", "layout"], root);
    image_of(
        root,
        "x",
        "add('../../etc/cron.d/x', b'* * * * * root sh')\n",
    );
    let err = image::read_layout(&root.join("layout"), Bounds::default()).expect_err("escape");
    assert!(err.to_string().contains("leaves the image's root"), "{err}");

    // A decompression bomb: 200 MB of zeros in a small gzip layer, under a 10:1 bound.
    image_of(root, "bomb", "add('zeros', bytes(200 * 1024 * 1024))\n");
    let bounds = Bounds {
        max_ratio: 10,
        ..Bounds::default()
    };
    let only = |tag: &str| {
        // A layout with only one tag in its index.
        let copy = root.join(format!("only-{tag}"));
        tool(
            "skopeo",
            &[
                "copy",
                &format!("oci:layout:{tag}"),
                &format!("oci:{}:{tag}", copy.display()),
            ],
            root,
        );
        copy
    };
    let err = image::read_layout(&only("bomb"), bounds).expect_err("bomb");
    assert!(err.to_string().contains("decompression bomb"), "{err}");

    // A truncated layer and a missing blob.
    image_of(root, "ok", "add('f1', b'x' * 4096)\n");
    let layout = only("ok");
    // The layer blob, from the manifest.
    let json = |p: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json")
    };
    let blob = |digest: &str| {
        layout
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    let index = json(&layout.join("index.json"));
    let manifest = json(&blob(
        index["manifests"][0]["digest"].as_str().expect("digest"),
    ));
    let layer = blob(
        manifest["layers"][0]["digest"]
            .as_str()
            .expect("layer digest"),
    );
    let bytes = std::fs::read(&layer).expect("read");
    std::fs::write(&layer, &bytes[..bytes.len() / 2]).expect("truncate");
    let err = image::read_layout(&layout, Bounds::default()).expect_err("truncated");
    assert!(matches!(err, ImageError::Layer { .. }), "{err}");
    std::fs::remove_file(&layer).expect("rm");
    let err = image::read_layout(&layout, Bounds::default()).expect_err("missing");
    assert!(matches!(err, ImageError::MissingBlob { .. }), "{err}");
    assert!(err.to_string().contains("missing blob sha256:"), "{err}");
}
