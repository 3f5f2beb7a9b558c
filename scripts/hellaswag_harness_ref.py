"""lm-evaluation-harness's HellaSwag scores on a tiny random GPT-2, committed so CI can check pealm against them.

lm-eval is not a pealm dependency: run this once, with a Python that has it, and commit what it writes.

    python3 -m venv ../lmeval-venv
    ../lmeval-venv/bin/pip install torch==2.13.0 lm-eval==0.4.13 accelerate transformers tiktoken
    TIKTOKEN_CACHE_DIR=/tmp/tk ../lmeval-venv/bin/python scripts/hellaswag_harness_ref.py \
        --data ../shared/data/hellaswag_val.jsonl --gpt2-files ../shared/data

It writes into nbs/hellaswag_ref/:
- tiny-gpt2/ (config.json, model.safetensors): a 2-layer GPT-2 with n_embd 8 and random weights (seed 0), stored
  in float16 (0.8 MB) and scored in float32. Its weights are larger than GPT-2's init, so its next-token
  distributions are peaked: scoring the wrong tokens, or the right ones at the wrong positions, changes the numbers.
- harness.json: for each example (the first 200 of the validation file, all ActivityNet, and 50 WikiHow ones from
  line 3244, which exercise the bracket clean-up) the harness's query, continuations, log-likelihoods and picks.

The harness runs its own `hellaswag` task (process_docs, doc_to_text, doc_to_choice, metrics) from its installed
YAML, with only the dataset pointed at a local JSON-lines file. Its Hugging Face model needs a tokenizer: we build
GPT-2's from gpt2_encoder.json (vocab.json) and gpt2_vocab.bpe (merges.txt) with the `tokenizers` library, and check
that it encodes every string of the task exactly as tiktoken's gpt2 does (pealm's GPT2Tokenizer).
"""
import argparse, json, os, shutil, sys, tempfile
from pathlib import Path
os.environ.setdefault("TQDM_DISABLE", "1") # no progress bars from datasets and lm-eval

EXAMPLES = [*range(200), *range(3243, 3293)] # 0-based lines of hellaswag_val.jsonl
TASK = "hellaswag_local"

def tiny_gpt2(out_dir:Path):
    "A 2-layer GPT-2 with random, deliberately large weights, saved in float16."
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(n_layer=2, n_head=2, n_embd=8, n_positions=1024))
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if ".ln_" in name or "ln_f" in name: continue # LayerNorms stay at weight 1, bias 0
            std = 1.0 if name.endswith("wte.weight") else 0.5 if p.dim() > 1 else 0.1
            p.copy_(torch.randn(p.shape, generator=g) * std)
    model.half().save_pretrained(out_dir)
    (out_dir/"generation_config.json").unlink(missing_ok=True) # not needed to load or score it

def gpt2_tokenizer(files:Path, out_dir:Path):
    "GPT-2's tokenizer in the Hugging Face format, built from the BPE files, into `out_dir`."
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast
    tk = Tokenizer(models.BPE.from_file(str(files/"gpt2_encoder.json"), str(files/"gpt2_vocab.bpe")))
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False) # GPT-2's regex, no space added in front
    tk.decoder = decoders.ByteLevel()
    tk.post_processor = processors.ByteLevel(trim_offsets=False)         # offsets only: no BOS/EOS added
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                  unk_token="<|endoftext|>")
    tok.save_pretrained(out_dir)
    return tok

def harness_strings(examples:list[dict]) -> list[str]:
    "Every string the harness tokenizes for `examples`: each query, and each query + ' ' + choice."
    sys.path.insert(0, str(_task_source())); from utils import preprocess; sys.path.pop(0)
    out = []
    for ex in examples:
        query = preprocess(ex["activity_label"] + ": " + ex["ctx_a"] + " " + ex["ctx_b"].capitalize())
        out += [query] + [query + " " + preprocess(e) for e in ex["endings"]]
    return out

def check_tokenizer(tok, strings:list[str]):
    "The Hugging Face tokenizer must encode exactly as tiktoken's gpt2."
    import tiktoken
    enc = tiktoken.get_encoding("gpt2")
    bad = [s for s in strings if tok.encode(s) != enc.encode(s)]
    assert not bad, f"{len(bad)} of {len(strings)} strings encode differently, e.g. {bad[0]!r}"
    print(f"tokenizer: {len(strings):,} strings encode exactly as tiktoken's gpt2")

def _task_source() -> Path:
    import lm_eval
    return Path(lm_eval.__file__).parent/"tasks"/"hellaswag"

def task_dir(data_file:Path, out_dir:Path) -> Path:
    "The harness's own hellaswag task, renamed and pointed at `data_file`."
    src = _task_source()
    shutil.copy(src/"utils.py", out_dir/"utils.py")
    yaml = (src/"hellaswag.yaml").read_text()
    for old, new in [("task: hellaswag\n", f"task: {TASK}\n"),
                     ("dataset_path: Rowan/hellaswag\n",
                      f"dataset_path: json\ndataset_kwargs:\n  data_files:\n    validation: {data_file}\n"),
                     ("training_split: train\n", "training_split: null\n")]: # 0-shot: no training docs needed
        assert old in yaml, f"{old!r} not in {src/'hellaswag.yaml'}: another lm-eval version?"
        yaml = yaml.replace(old, new)
    (out_dir/f"{TASK}.yaml").write_text(yaml)
    return out_dir

def run_harness(model_dir:Path, include:Path) -> dict:
    "lm_eval's results, with per-example samples."
    import lm_eval
    from lm_eval.tasks import TaskManager
    return lm_eval.simple_evaluate(model="hf", model_args=f"pretrained={model_dir},dtype=float32", tasks=[TASK],
                                   task_manager=TaskManager(include_path=str(include)), batch_size=16, device="cpu",
                                   log_samples=True)

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="hellaswag_val.jsonl")
    p.add_argument("--gpt2-files", required=True, help="directory with gpt2_encoder.json and gpt2_vocab.bpe")
    p.add_argument("--out", default=str(Path(__file__).resolve().parent.parent/"nbs"/"hellaswag_ref"))
    args = p.parse_args(argv)
    import lm_eval, torch, transformers
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    lines = Path(args.data).read_text(encoding="utf-8").splitlines()
    examples = [json.loads(lines[i]) for i in EXAMPLES]
    tiny_gpt2(out/"tiny-gpt2")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model_dir = tmp/"tiny-gpt2"; shutil.copytree(out/"tiny-gpt2", model_dir)
        check_tokenizer(gpt2_tokenizer(Path(args.gpt2_files), model_dir), harness_strings(examples))
        data_file = tmp/"hellaswag_subset.jsonl"; data_file.write_text("\n".join(lines[i] for i in EXAMPLES) + "\n")
        res = run_harness(model_dir, task_dir(data_file, tmp))
    samples = sorted(res["samples"][TASK], key=lambda s: s["doc_id"])
    assert [s["doc_id"] for s in samples] == list(range(len(EXAMPLES)))
    rows = []
    for line, s in zip(EXAMPLES, samples):
        (query, _), *_ = s["arguments"]
        assert all(ctx == query for ctx, _ in s["arguments"]), "the four requests of an example share the query"
        rows.append(dict(line=line, ind=s["doc"]["ind"], query=query, continuations=[c for _, c in s["arguments"]],
                         loglikelihoods=[float(ll) for ll, _ in s["filtered_resps"]],
                         acc=int(s["acc"]), acc_norm=int(s["acc_norm"])))
    metrics = res["results"][TASK]
    summary = dict(acc=metrics["acc,none"], acc_norm=metrics["acc_norm,none"], n=len(rows))
    for name, part in [("first_200", rows[:200]), ("wikihow_50", rows[200:])]:
        summary[name] = dict(acc=sum(r["acc"] for r in part) / len(part), acc_norm=sum(r["acc_norm"] for r in part) / len(part))
    ref = dict(made_by="scripts/hellaswag_harness_ref.py", lm_eval=lm_eval.__version__, transformers=transformers.__version__,
               torch=torch.__version__, task=f"lm-eval's hellaswag task, dataset_path json (local file)",
               model="tiny-gpt2 (scored in float32)", **summary, examples=rows)
    head = json.dumps({k: v for k, v in ref.items() if k != "examples"}, indent=1, ensure_ascii=False)
    body = ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) # one example per line
    (out/"harness.json").write_text(head[:-2] + ',\n "examples": [\n' + body + "\n ]\n}\n")
    print(json.dumps(summary))
    print(f"wrote {out/'tiny-gpt2'} and {out/'harness.json'}")
    return 0

if __name__ == "__main__": sys.exit(main())
