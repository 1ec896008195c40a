"""gpt --load of a checkpoint whose metadata claims a shape its tensors do not have (a context of
10^11) must fail with a tg::Error naming the mismatch, not allocate what the header claims.
Usage: bad_checkpoint_test.py GPT_BINARY GOOD_CHECKPOINT SCRATCH_DIR"""
import json
import os
import struct
import subprocess
import sys

gpt, good, scratch = sys.argv[1:4]
data = open(good, "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
header["__metadata__"]["context"] = str(10**11)
raw = json.dumps(header).encode()
bad = os.path.join(scratch, "gpt_bad_context.safetensors")
with open(bad, "wb") as f:
    f.write(struct.pack("<Q", len(raw)) + raw + data[8 + n:])
r = subprocess.run([gpt, "--load", bad, "--generate", "5"], capture_output=True, text=True, timeout=120)
want = "does not match its tensors"
if r.returncode != 1 or want not in r.stderr:
    sys.exit(f"expected exit 1 and '{want}', got exit {r.returncode}:\n{r.stdout}{r.stderr}")
print("ok:", r.stderr.strip().splitlines()[-1])
