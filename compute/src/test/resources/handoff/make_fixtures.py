"""Makes the datasets directories the handoff tests compare Sparsescope's exports with, using Hugging Face
`datasets` itself (5.0.1 with pyarrow 25.0.1 when these were made): `python make_fixtures.py` in this folder.
The values are small closed forms the tests recompute."""
import numpy as np
from datasets import Array2D, Dataset, Features, Sequence, Value

CTX, D, N = 4, 3, 5

def acts(dtype):
    return (np.arange(N * CTX * D, dtype=np.float64).reshape(N, CTX, D) / 7.0 - 2.0).astype(dtype)

def token_ids():
    return (np.arange(N * CTX, dtype=np.int64).reshape(N, CTX) * 37 % 50257).astype(np.int32)

# SAELens's CacheActivationsRunner: the hook's Array2D (context, d_in) and token_ids as int32 sequences
for dtype in ("float32", "float16"):
    feats = Features({"blocks.0.hook_mlp_out": Array2D(shape=(CTX, D), dtype=dtype),
                      "token_ids": Sequence(Value(dtype="int32"), length=CTX)})
    Dataset.from_dict({"blocks.0.hook_mlp_out": acts(dtype), "token_ids": token_ids()},
                      features=feats).save_to_disk(f"saelens-{dtype}", num_shards=1)

# tokens for sparsify: input_ids rows of the context length
Dataset.from_dict({"input_ids": token_ids()},
                  features=Features({"input_ids": Sequence(Value(dtype="int32"), length=CTX)})
                  ).save_to_disk("sparsify-tokens", num_shards=1)

# sparsify's run state beside its hookpoint folders (Trainer._checkpoint), made with PyTorch 1.13 (python3-torch):
#   torch.save({"global_step": 1234}, "sparsify-state.pt")
