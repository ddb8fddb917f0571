"""A tiny synthetic streaming transducer that sherpa-onnx's OnlineRecognizer loads and runs.

Usage: /usr/bin/python3 tiny_sherpa_model.py OUT_DIR

Writes encoder.onnx, decoder.onnx, joiner.onnx and tokens.txt into OUT_DIR. The weights are
random (seeded): the model decodes real audio at real speed into meaningless text, which is all
the engine's tests need (loading, streaming, partials, the final, timing, isolation).

The model type is sherpa-onnx's "lstm" transducer (icefall's lstm_transducer_stateless2 export):
of the online transducer types it needs the least metadata and the simplest encoder state, two
tensors h [layers, N, d_model] and c [layers, N, rnn_hidden_size] that the encoder passes back,
while zipformer/zipformer2 need dozens of per-layer caches whose shapes follow from ten
metadata lists. See sherpa-onnx/csrc/online-lstm-transducer-model.cc for what is read:

  encoder  inputs  x [N, T, 80], h, c          outputs  encoder_out [N, T', C], next_h, next_c
           metadata model_type=lstm, num_encoder_layers, T, decode_chunk_len, rnn_hidden_size, d_model
  decoder  input   y [N, context_size] int64   output   decoder_out [N, C]
           metadata vocab_size, context_size
  joiner   inputs  encoder_out [N, C], decoder_out [N, C]   output  logit [N, vocab_size]

Blank is token 0; the decoder's context starts as -1s, so it must not index an embedding with it.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FEATURE_DIM = 80
# As the real streaming zipformer: 32 feature frames (320 ms) a chunk, 7 frames of right context.
DECODE_CHUNK_LEN = 32
T = DECODE_CHUNK_LEN + 7
SUBSAMPLING = 4
LAYERS = 1
D_MODEL = 8
RNN_HIDDEN = 8
JOINER_DIM = 16
CONTEXT_SIZE = 2
# Opset 13 and IR 8: old enough for any onnxruntime sherpa-onnx ships with.
OPSET = 13

TOKENS = ['<blk>', '<sos/eos>', '<unk>', '你', '好', '老', '师', '同', '学', '上', '课', '▁HELLO', '▁CLASS', '▁TODAY', '▁WE', '▁LEARN']


def save(graph, path, metadata):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)], producer_name='classbridge-tiny-sherpa')
    model.ir_version = 8
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = str(value)
    onnx.checker.check_model(model)
    onnx.save(model, path)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def encoder(rng, path):
    # x[:, 0:decode_chunk_len:4, :] @ W, tanh: T' = decode_chunk_len / 4 frames a chunk. The
    # state passes through a tanh too, so it is really threaded from chunk to chunk.
    w = (rng.standard_normal((FEATURE_DIM, JOINER_DIM)) / np.sqrt(FEATURE_DIM) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['x_sub']),
        helper.make_node('MatMul', ['x_sub', 'w'], ['proj']),
        helper.make_node('Tanh', ['proj'], ['encoder_out']),
        helper.make_node('Tanh', ['h'], ['next_h']),
        helper.make_node('Tanh', ['c'], ['next_c']),
    ]
    graph = helper.make_graph(
        nodes,
        'tiny_lstm_encoder',
        [
            helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N', T, FEATURE_DIM]),
            helper.make_tensor_value_info('h', TensorProto.FLOAT, [LAYERS, 'N', D_MODEL]),
            helper.make_tensor_value_info('c', TensorProto.FLOAT, [LAYERS, 'N', RNN_HIDDEN]),
        ],
        [
            helper.make_tensor_value_info('encoder_out', TensorProto.FLOAT, ['N', DECODE_CHUNK_LEN // SUBSAMPLING, JOINER_DIM]),
            helper.make_tensor_value_info('next_h', TensorProto.FLOAT, [LAYERS, 'N', D_MODEL]),
            helper.make_tensor_value_info('next_c', TensorProto.FLOAT, [LAYERS, 'N', RNN_HIDDEN]),
        ],
        [
            const('starts', np.array([0], dtype=np.int64)),
            const('ends', np.array([DECODE_CHUNK_LEN], dtype=np.int64)),
            const('axes', np.array([1], dtype=np.int64)),
            const('steps', np.array([SUBSAMPLING], dtype=np.int64)),
            const('w', w),
        ],
    )
    save(graph, path, {
        'model_type': 'lstm',
        'model_author': 'classbridge tests (synthetic, random weights)',
        'num_encoder_layers': LAYERS,
        'T': T,
        'decode_chunk_len': DECODE_CHUNK_LEN,
        'rnn_hidden_size': RNN_HIDDEN,
        'd_model': D_MODEL,
    })


def decoder(rng, path):
    # The context tokens as numbers through a linear layer: no embedding lookup, so the -1s the
    # greedy search starts its context with are fine.
    w = (rng.standard_normal((CONTEXT_SIZE, JOINER_DIM)) * 0.2).astype(np.float32)
    nodes = [
        helper.make_node('Cast', ['y'], ['y_float'], to=TensorProto.FLOAT),
        helper.make_node('MatMul', ['y_float', 'w'], ['proj']),
        helper.make_node('Tanh', ['proj'], ['decoder_out']),
    ]
    graph = helper.make_graph(
        nodes,
        'tiny_decoder',
        [helper.make_tensor_value_info('y', TensorProto.INT64, ['N', CONTEXT_SIZE])],
        [helper.make_tensor_value_info('decoder_out', TensorProto.FLOAT, ['N', JOINER_DIM])],
        [const('w', w)],
    )
    save(graph, path, {'vocab_size': len(TOKENS), 'context_size': CONTEXT_SIZE})


def joiner(rng, path):
    w = (rng.standard_normal((JOINER_DIM, len(TOKENS))) * 2.0).astype(np.float32)
    # A bias towards blank, so that the text grows by a token now and then rather than every frame.
    bias = np.zeros(len(TOKENS), dtype=np.float32)
    bias[0] = 3.0
    nodes = [
        helper.make_node('Add', ['encoder_out', 'decoder_out'], ['sum']),
        helper.make_node('Tanh', ['sum'], ['act']),
        helper.make_node('MatMul', ['act', 'w'], ['proj']),
        helper.make_node('Add', ['proj', 'bias'], ['logit']),
    ]
    graph = helper.make_graph(
        nodes,
        'tiny_joiner',
        [
            helper.make_tensor_value_info('encoder_out', TensorProto.FLOAT, ['N', JOINER_DIM]),
            helper.make_tensor_value_info('decoder_out', TensorProto.FLOAT, ['N', JOINER_DIM]),
        ],
        [helper.make_tensor_value_info('logit', TensorProto.FLOAT, ['N', len(TOKENS)])],
        [const('w', w), const('bias', bias)],
    )
    save(graph, path, {})


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: tiny_sherpa_model.py OUT_DIR')
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20230220)
    encoder(rng, os.path.join(out, 'encoder.onnx'))
    decoder(rng, os.path.join(out, 'decoder.onnx'))
    joiner(rng, os.path.join(out, 'joiner.onnx'))
    with open(os.path.join(out, 'tokens.txt'), 'w', encoding='utf-8') as f:
        for i, token in enumerate(TOKENS):
            f.write(f'{token} {i}\n')


if __name__ == '__main__':
    main()
