#!/usr/bin/env python3
"""Writes speech_lattice.bin, the weights of ViSQOL v3's default speech mapping, from the
reference's TensorFlow Lite file.

The mapping is a TensorFlow Lattice "calibrated lattice ensemble": each of the 85 inputs
(4 features x 21 bands, and tau) goes through a piecewise-linear calibrator with one output per
lattice that reads it; 60 lattices of 12 inputs each (2 vertices per input) interpolate
multilinearly; a linear combination of the 60 and a piecewise-linear output calibration give the
MOS. This script walks the TFLite graph, checks that it has exactly that shape (it stops on any
other op pattern), and writes the numbers, nothing else, in the layout `lattice.rs` reads.

The model is google/visqol's
model/lattice_tcditugenmeetpackhref_ls2_nl60_lr12_bs2048_learn.005_ep2400_train1_7_raw.tflite
(Apache-2.0, Google LLC). Run once, outside the build:

    python3 -m venv /tmp/v && /tmp/v/bin/pip install tflite numpy
    /tmp/v/bin/python quality/model/export_speech_lattice.py MODEL.tflite quality/model/speech_lattice.bin
"""

import struct
import sys

import numpy as np
import tflite

ENSEMBLE = "calibrated_lattice_ensemble/"
LATTICES = 60
LATTICE_INPUTS = 12


class Graph:
    def __init__(self, path):
        buffer = open(path, "rb").read()
        self.model = tflite.Model.GetRootAsModel(buffer, 0)
        self.graph = self.model.Subgraphs(0)
        names = {value: key for key, value in tflite.BuiltinOperator.__dict__.items() if not key.startswith("_")}
        self.index = {self.name(i): i for i in range(self.graph.TensorsLength())}
        self.producer = {}
        for k in range(self.graph.OperatorsLength()):
            op = self.graph.Operators(k)
            code = self.model.OperatorCodes(op.OpcodeIndex())
            kind = names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
            inputs = [op.Inputs(j) for j in range(op.InputsLength())]
            outputs = [op.Outputs(j) for j in range(op.OutputsLength())]
            for position, output in enumerate(outputs):
                self.producer[output] = (kind, inputs, outputs, position)
        signature = self.model.SignatureDefs(0)
        self.input_of_tensor = {
            signature.Inputs(i).TensorIndex(): signature.Inputs(i).Name().decode()
            for i in range(signature.InputsLength())
        }

    def name(self, tensor):
        return self.graph.Tensors(tensor).Name().decode()

    def constant(self, tensor):
        if isinstance(tensor, str):
            tensor = self.index[tensor]
        t = self.graph.Tensors(tensor)
        data = self.model.Buffers(t.Buffer()).DataAsNumpy()
        assert t.Type() == tflite.TensorType.FLOAT32, self.name(tensor)
        return np.frombuffer(data.tobytes(), dtype="<f4")

    def made_by(self, tensor, kind):
        made = self.producer[tensor]
        assert made[0] == kind, (self.name(tensor), made[0], kind)
        return made


def lattice_input(graph, lattice, dimension):
    """The calibrator and its output that feed `dimension` of `lattice`: the graph computes the
    vertex weights as 1 - min(|x - [0, 1]|, 1)."""
    suffix = "" if dimension == 0 else f"_{dimension}"
    tensor = graph.index[f"{ENSEMBLE}tfl_lattice_{lattice}/ExpandDims{suffix}"]
    _, inputs, _, _ = graph.made_by(tensor, "EXPAND_DIMS")
    _, inputs, _, _ = graph.made_by(inputs[0], "SUB")
    assert graph.constant(inputs[0]).tolist() == [1.0]
    _, inputs, _, _ = graph.made_by(inputs[1], "MINIMUM")
    assert graph.constant(inputs[1]).tolist() == [1.0]
    _, inputs, _, _ = graph.made_by(inputs[0], "ABS")
    _, inputs, _, _ = graph.made_by(inputs[0], "SUB")
    assert graph.constant(inputs[1]).tolist() == [0.0, 1.0]
    _, _, outputs, position = graph.made_by(inputs[0], "SPLIT")
    calibrator = graph.name(inputs[0]).split("/")[1][len("tfl_calib_"):]
    return calibrator, position, len(outputs)


def calibrator(graph, name, units):
    """A piecewise-linear calibrator: [1, clamp((x - keypoints) / lengths, 0, 1)] times a matrix,
    one row per output; when the input equals the missing value, fixed outputs instead."""
    prefix = f"{ENSEMBLE}tfl_calib_{name}/"
    _, inputs, _, _ = graph.made_by(graph.index[prefix + "sub"], "SUB")
    _, placeholder, _, _ = graph.made_by(inputs[0], "EXPAND_DIMS")
    feature = graph.input_of_tensor[placeholder[0]]
    keypoints = graph.constant(f"tfl_calib_{name}/interpolation_keypoints")
    inverse_lengths = graph.constant(f"{prefix}truediv;tfl_calib_{name}/lengths")
    matrix = graph.constant(prefix + "MatMul")
    assert matrix.size == units * (keypoints.size + 1)
    _, split_inputs, _, _ = graph.made_by(graph.index[prefix + "split"], "SPLIT")
    source = graph.name(split_inputs[1])
    missing = None
    if source.endswith("/add"):
        _, equal, _, _ = graph.made_by(graph.index[prefix + "Equal"], "EQUAL")
        assert equal[0] == inputs[0]
        _, product, _, _ = graph.made_by(graph.index[prefix + "mul"], "MUL")
        missing = (graph.constant(equal[1]), graph.constant(product[1]))
        assert missing[0].size == 1 and missing[1].size == units
    else:
        assert source.endswith("/MatMul1"), source
    return feature, keypoints, inverse_lengths, matrix, missing


def main(model_path, out_path):
    graph = Graph(model_path)
    wiring = [[lattice_input(graph, l, d) for d in range(LATTICE_INPUTS)] for l in range(LATTICES)]
    units = {}
    for dimensions in wiring:
        for name, _, count in dimensions:
            units[name] = count
    names = sorted(units)
    _, concatenated, _, _ = graph.made_by(graph.index[ENSEMBLE + "concatenate/concat"], "CONCATENATION")
    assert [graph.name(t) for t in concatenated] == [f"{ENSEMBLE}tfl_lattice_{l}/MatMul_51" for l in range(LATTICES)]

    out = bytearray()
    u32 = lambda v: out.extend(struct.pack("<I", v))
    f32s = lambda a: out.extend(np.asarray(a, dtype="<f4").tobytes())
    out.extend(b"VISQOL-LATTICE-1")
    u32(len(names))
    for name in names:
        feature, keypoints, inverse_lengths, matrix, missing = calibrator(graph, name, units[name])
        encoded = feature.encode()
        u32(len(encoded))
        out.extend(encoded)
        u32(keypoints.size)
        f32s(keypoints)
        f32s(inverse_lengths)
        u32(units[name])
        f32s(matrix)
        u32(0 if missing is None else 1)
        if missing is not None:
            f32s(missing[0])
            f32s(missing[1])
    u32(LATTICES)
    u32(LATTICE_INPUTS)
    for lattice, dimensions in enumerate(wiring):
        for name, position, _ in dimensions:
            u32(names.index(name))
            u32(position)
        kernel = graph.constant(f"{ENSEMBLE}tfl_lattice_{lattice}/MatMul_5")
        assert kernel.size == 2**LATTICE_INPUTS
        f32s(kernel)
    f32s(graph.constant(ENSEMBLE + "tfl_output_linear_combination/MatMul"))
    keypoints = graph.constant("tfl_output_calib/interpolation_keypoints")
    u32(keypoints.size)
    f32s(keypoints)
    f32s(graph.constant(ENSEMBLE + "tfl_output_calib/truediv;tfl_output_calib/lengths"))
    f32s(graph.constant(ENSEMBLE + "tfl_output_calib/MatMul"))
    open(out_path, "wb").write(out)
    print(f"{out_path}: {len(names)} calibrators, {LATTICES} lattices, {len(out)} bytes")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
