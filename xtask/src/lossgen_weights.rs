//! `cargo xtask lossgen-weights`: writes `engine/src/lossgen_weights.rs`, the weights of libopus's
//! learned loss generator (`dnn/lossgen_data.c`, which `opusic-sys` bundles but does not compile)
//! as Rust constants, so that the engine runs the model without building that C file. Run it
//! after an `opusic-sys` update; `--check` fails if the committed file differs from what the
//! bundled libopus would give.

use std::fmt::Write as _;
use std::path::PathBuf;

/// The arrays the engine's model reads, in the order they are written out.
const ARRAYS: [&str; 16] = [
    "lossgen_dense_in_weights_float",
    "lossgen_dense_in_bias",
    "lossgen_dense_out_weights_float",
    "lossgen_dense_out_bias",
    "lossgen_gru1_input_weights_int8",
    "lossgen_gru1_input_scale",
    "lossgen_gru1_input_bias",
    "lossgen_gru1_recurrent_weights_int8",
    "lossgen_gru1_recurrent_scale",
    "lossgen_gru1_recurrent_bias",
    "lossgen_gru2_input_weights_int8",
    "lossgen_gru2_input_scale",
    "lossgen_gru2_input_bias",
    "lossgen_gru2_recurrent_weights_int8",
    "lossgen_gru2_recurrent_scale",
    "lossgen_gru2_recurrent_bias",
];

/// Where the generated file goes, from the workspace root.
const OUTPUT: &str = "engine/src/lossgen_weights.rs";

/// The layers `init_lossgen` builds, as `lossgen_data.c` writes them: dense float layers and
/// int8 GRU matrices without sparsity or diagonals, of the sizes the engine's inference is
/// written for. Another model (a libopus update) must fail here, not run with the wrong code.
const LAYERS: [&str; 6] = [
    r#"linear_init(&model->lossgen_dense_in,arrays,"lossgen_dense_in_bias",NULL,NULL,"lossgen_dense_in_weights_float",NULL,NULL,NULL,2,8)"#,
    r#"linear_init(&model->lossgen_dense_out,arrays,"lossgen_dense_out_bias",NULL,NULL,"lossgen_dense_out_weights_float",NULL,NULL,NULL,32,1)"#,
    r#"linear_init(&model->lossgen_gru1_input,arrays,"lossgen_gru1_input_bias","lossgen_gru1_input_subias","lossgen_gru1_input_weights_int8","lossgen_gru1_input_weights_float",NULL,NULL,"lossgen_gru1_input_scale",8,48)"#,
    r#"linear_init(&model->lossgen_gru1_recurrent,arrays,"lossgen_gru1_recurrent_bias","lossgen_gru1_recurrent_subias","lossgen_gru1_recurrent_weights_int8","lossgen_gru1_recurrent_weights_float",NULL,NULL,"lossgen_gru1_recurrent_scale",16,48)"#,
    r#"linear_init(&model->lossgen_gru2_input,arrays,"lossgen_gru2_input_bias","lossgen_gru2_input_subias","lossgen_gru2_input_weights_int8","lossgen_gru2_input_weights_float",NULL,NULL,"lossgen_gru2_input_scale",16,96)"#,
    r#"linear_init(&model->lossgen_gru2_recurrent,arrays,"lossgen_gru2_recurrent_bias","lossgen_gru2_recurrent_subias","lossgen_gru2_recurrent_weights_int8","lossgen_gru2_recurrent_weights_float",NULL,NULL,"lossgen_gru2_recurrent_scale",32,96)"#,
];

pub fn run(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        other => return Err(format!("lossgen-weights takes --check or nothing, not {other:?}")),
    };
    let source_path = bundled_source()?;
    let source =
        std::fs::read_to_string(&source_path).map_err(|error| format!("{}: {error}", source_path.display()))?;
    let calls = source.matches("linear_init(").count();
    if calls != LAYERS.len() || LAYERS.iter().any(|layer| !source.contains(layer)) {
        return Err(format!(
            "{} builds other layers than the engine's inference (engine/src/lossgen.rs) is written for",
            source_path.display()
        ));
    }
    // A float copy of a GRU matrix is what libopus would multiply by instead of the int8 one.
    let float_copy = |name: &&str| source.contains(&format!(" {}[", name.replace("_int8", "_float")));
    if ARRAYS.iter().filter(|name| name.ends_with("_int8")).any(float_copy) {
        return Err(format!("{} has float GRU weights, which libopus would use instead", source_path.display()));
    }
    let generated = generate(&source)?;
    let output = crate::workspace_root()?.join(OUTPUT);
    if check {
        let committed = std::fs::read_to_string(&output).unwrap_or_default();
        if committed != generated {
            return Err(format!(
                "{OUTPUT} is not what `cargo xtask lossgen-weights` makes from {}",
                source_path.display()
            ));
        }
        println!("xtask: {OUTPUT} matches {}", source_path.display());
        return Ok(());
    }
    std::fs::write(&output, generated).map_err(|error| format!("{}: {error}", output.display()))?;
    println!("xtask: wrote {} from {}", output.display(), source_path.display());
    Ok(())
}

/// `lossgen_data.c` in the `opusic-sys` that Cargo.lock pins, in Cargo's registry.
fn bundled_source() -> Result<PathBuf, String> {
    let lock =
        std::fs::read_to_string(crate::workspace_root()?.join("Cargo.lock")).map_err(|error| error.to_string())?;
    let version = lock
        .split("[[package]]")
        .find(|package| package.contains("name = \"opusic-sys\""))
        .and_then(|package| package.lines().find_map(|line| line.strip_prefix("version = \"")))
        .and_then(|rest| rest.strip_suffix('"'))
        .ok_or("Cargo.lock pins no opusic-sys")?;
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let registries = std::fs::read_dir(cargo_home.join("registry/src")).map_err(|error| error.to_string())?;
    registries
        .flatten()
        .map(|registry| registry.path().join(format!("opusic-sys-{version}/opus/dnn/lossgen_data.c")))
        .find(|path| path.is_file())
        .ok_or_else(|| format!("opusic-sys {version} is not unpacked in {}; run `cargo fetch`", cargo_home.display()))
}

/// The Rust file holding `ARRAYS` from the C source.
fn generate(source: &str) -> Result<String, String> {
    let mut text = String::from(
        "//! libopus's learned loss generator's weights (`dnn/lossgen_data.c`, from checkpoint\n\
         //! `lossgen2_2000.pth`; Copyright (c) 2023 Amazon, BSD licence as libopus), generated by\n\
         //! `cargo xtask lossgen-weights`: do not edit. Int8 matrices are in libopus's 8x4 block\n\
         //! order; float matrices column by column.\n\n\
         #![allow(clippy::excessive_precision, clippy::unreadable_literal)]\n\n",
    );
    for name in ARRAYS {
        let (kind, values) = array(source, name)?;
        let rust_type = if kind == "float" { "f32" } else { "i8" };
        let constant = name.trim_start_matches("lossgen_").to_uppercase();
        writeln!(text, "#[rustfmt::skip]\npub const {constant}: [{rust_type}; {}] = [", values.len()).unwrap();
        for line in values.chunks(8) {
            writeln!(text, "    {},", line.join(", ")).unwrap();
        }
        text.push_str("];\n\n");
    }
    text.pop();
    Ok(text)
}

/// The element type (`float` or `opus_int8`) and the values of `static const T name[N] = {…};`.
fn array(source: &str, name: &str) -> Result<(String, Vec<String>), String> {
    let missing = || format!("{name} is not in lossgen_data.c");
    let declaration = source.find(&format!(" {name}[")).ok_or_else(missing)?;
    let head = &source[..declaration];
    let kind = head.rsplit("static const ").next().ok_or_else(missing)?.trim().to_owned();
    let body = &source[declaration..];
    let (open, close) = (body.find('{').ok_or_else(missing)?, body.find('}').ok_or_else(missing)?);
    let declared: usize = body[body.find('[').ok_or_else(missing)? + 1..body.find(']').ok_or_else(missing)?]
        .parse()
        .map_err(|_| missing())?;
    let values: Vec<String> =
        body[open + 1..close].split(',').map(str::trim).filter(|value| !value.is_empty()).map(str::to_owned).collect();
    if values.len() != declared {
        return Err(format!("{name}: {} values, {declared} declared", values.len()));
    }
    for value in &values {
        let valid = if kind == "float" { value.parse::<f32>().is_ok() } else { value.parse::<i8>().is_ok() };
        if !valid {
            return Err(format!("{name}: '{value}' is not a {kind}"));
        }
    }
    Ok((kind, values))
}
