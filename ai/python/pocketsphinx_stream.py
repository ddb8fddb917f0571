#!/usr/bin/python3
"""Streaming English recognition with CMU pocketsphinx (Debian's python3-pocketsphinx, en-us model).

Talks to the caption worker over stdio. Input frames: one type byte, a 4-byte big-endian length,
the payload. 'S' starts an utterance, 'A' carries 16 kHz mono s16le audio, 'E' ends the utterance.
Output: one JSON object per line: ready, partial (after each audio frame), final.
"""
import json
import os
import struct
import sys

from pocketsphinx import Decoder

MODEL = os.environ.get('POCKETSPHINX_MODEL_DIR', '/usr/share/pocketsphinx/model/en-us')


def emit(message):
    sys.stdout.write(json.dumps(message) + '\n')
    sys.stdout.flush()


def main():
    config = Decoder.default_config()
    config.set_string('-hmm', os.path.join(MODEL, 'en-us'))
    config.set_string('-lm', os.path.join(MODEL, 'en-us.lm.bin'))
    config.set_string('-dict', os.path.join(MODEL, 'cmudict-en-us.dict'))
    config.set_string('-logfn', '/dev/null')
    # The model says batch CMN, which needs the whole utterance; streaming needs live CMN.
    config.set_string('-cmn', 'live')
    decoder = Decoder(config)
    emit({'type': 'ready'})
    stdin = sys.stdin.buffer
    last = ''
    in_utterance = False
    audio_ms = 0
    # Live CMN starts from a poor estimate, so the first utterance decodes badly; it is decoded
    # again once the estimate has adapted (a one-off cost).
    warmed_up = False
    utterance = bytearray()
    while True:
        header = stdin.read(5)
        if len(header) < 5:
            return
        kind, length = header[:1], struct.unpack('>I', header[1:])[0]
        payload = stdin.read(length) if length else b''
        if kind == b'S':
            decoder.start_utt()
            in_utterance, last, audio_ms = True, '', 0
        elif kind == b'A' and in_utterance:
            if not warmed_up:
                utterance.extend(payload)
            decoder.process_raw(payload, False, False)
            audio_ms += len(payload) // 32
            hyp = decoder.hyp()
            text = hyp.hypstr if hyp else ''
            # Every chunk is answered (audio_ms says how far recognition has got: the caller's lag
            # measure); `changed` says whether the text is new.
            emit({'type': 'partial', 'text': text, 'audio_ms': audio_ms, 'changed': text != last})
            last = text
        elif kind == b'E' and not in_utterance:
            # Every 'E' is answered, so the caller's queue of waiting finals stays in step (an
            # utterance begun in a process that died ends here with nothing recognised).
            emit({'type': 'final', 'text': '', 'audio_ms': 0, 'changed': False})
        elif kind == b'E':
            decoder.end_utt()
            in_utterance = False
            if not warmed_up:
                warmed_up = True
                decoder.start_utt()
                decoder.process_raw(bytes(utterance), False, False)
                decoder.end_utt()
                utterance = bytearray()
            hyp = decoder.hyp()
            emit({'type': 'final', 'text': hyp.hypstr if hyp else '', 'audio_ms': audio_ms, 'changed': True})


if __name__ == '__main__':
    main()
