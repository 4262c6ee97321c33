"""Generate a realistic portal of N items: Chinese text, every column, valid approval chains.

    python -m bench.generate OUT_DIR --items 10000 [--seed 0]

The portal uses the demo columns.yml and roster.yml; items are spread over the 12 months
before PORTAL_NOW (or today) and each names, for every stage of its column's chain, a
reviewer who holds that stage's role for the item's department.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

from portal import clock, config

REPO = Path(__file__).resolve().parent.parent

PLACES = ["云江区", "江北区", "滨海新区", "青山县", "白沙县", "高新区", "经开区", "东港镇", "西岭乡"]
SUBJECTS = ["危险化学品", "非煤矿山", "烟花爆竹", "工贸企业", "城镇燃气", "建筑施工", "道路交通", "森林防火",
            "防汛抗旱", "地质灾害", "地震应急", "自然灾害救助", "应急物资储备", "消防安全", "有限空间作业"]
ACTIONS = ["安全生产专项检查", "隐患排查整治", "应急演练", "工作部署会", "业务培训", "督导检查", "宣传咨询活动",
           "风险会商研判", "执法检查", "预案修订", "联合检查", "专题调研"]
SENTENCES = [
    "会议传达学习了上级关于{s}工作的决策部署，分析研判当前{s}领域面临的形势和风险。",
    "{p}应急管理局组织相关科室深入一线，对辖区内{s}重点单位开展了全覆盖检查。",
    "检查组采取查阅资料、现场检查、随机抽查等方式，重点检查了安全管理制度落实、隐患排查治理和应急预案演练情况。",
    "针对检查中发现的问题，检查组当场反馈并提出整改意见，要求企业明确整改责任人和整改时限，确保隐患按期清零。",
    "下一步，市应急管理局将持续压实企业安全生产主体责任，强化{s}领域监管执法，坚决防范遏制重特大事故发生。",
    "此次{a}共有{n}家单位、{m}余人参加，进一步提升了基层应急处置能力和群众自救互救意识。",
    "演练模拟{s}突发事件，设置了信息报告、先期处置、人员疏散、现场救援等环节，各参演单位协同配合、反应迅速。",
    "会议强调，要坚持人民至上、生命至上，统筹发展和安全，把{s}各项工作抓细抓实。",
    "各县区应急管理部门要加强值班值守，严格执行领导带班和24小时值班制度，确保信息报送及时准确。",
    "市应急管理局有关负责同志指出，要以“时时放心不下”的责任感，扎实做好{s}风险防范化解工作。",
    "截至目前，全市累计排查一般隐患{m}项，已整改{n}项，其余隐患正按期整改。",
    "活动现场发放宣传资料{m}余份，解答群众咨询{n}人次，营造了全社会关注安全、关爱生命的浓厚氛围。",
    "下一步将建立问题清单、责任清单和整改清单，实行闭环管理，推动{s}治理模式向事前预防转型。",
    "各单位要结合实际制定实施方案，明确时间表和路线图，于规定时间前将工作开展情况报市应急管理局。",
]


def _roster_index(cfg: config.Config) -> dict[str, dict[str, list[str]]]:
    """role -> department -> people who may sign that role for that department."""
    index: dict[str, dict[str, list[str]]] = {}
    for role in cfg.roles.values():
        for dept in cfg.departments:
            index.setdefault(role.id, {})[dept] = [p.id for p in cfg.people.values() if p.may_sign(role, dept)]
    return index


def _body(rng: random.Random, subject: str, place: str, action: str, size: int) -> str:
    paras, total = [], 0
    while total < size:
        para = "".join(rng.choice(SENTENCES).format(s=subject, p=place, a=action, n=rng.randint(12, 300),
                                                    m=rng.randint(300, 5000)) for _ in range(rng.randint(3, 5)))
        paras.append(para)
        total += len(para)
    return "\n\n".join(paras)


def generate(root: Path, n: int, seed: int = 0, body_chars: int = 1800) -> Path:
    """Write columns.yml, roster.yml and n items under root; return root."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("columns.yml", "roster.yml"):
        shutil.copy(REPO / name, root / name)
    cfg = config.load(root)
    index = _roster_index(cfg)
    rng = random.Random(seed)
    columns = list(cfg.columns.values())
    end = clock.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    counters: dict[str, int] = {}
    for i in range(n):
        column = columns[i % len(columns)]
        dept = rng.choice(column.departments)
        date = end - dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        subject, place, action = rng.choice(SUBJECTS), rng.choice(PLACES), rng.choice(ACTIONS)
        kind = rng.choice(column.kinds)
        title = f"{place}开展{subject}{action}（{i + 1}）"
        informants = index["informant"][dept] or index["informant"]["宣教科"]
        author = rng.choice(informants)
        used = {author}
        reviewers = []
        for stage in column.chain.for_importance("一般"):
            choice = next((p for p in index[stage.role][dept] if p not in used), None)
            if choice is None:
                raise SystemExit(f"名册中没有可签署“{stage.id}”（{dept}）的人员")
            used.add(choice)
            reviewers.append(f"  {stage.id}: {choice}")
        extra = ""
        if kind in cfg.official_kinds:
            counters[str(date.year)] = counters.get(str(date.year), 0) + 1
            extra = f"doc_number: 云应急发〔{date.year}〕{counters[str(date.year)]}号\n"
        text = (
            f"---\ntitle: {title}\ndate: {date:%Y-%m-%d %H:%M}\nsource: 云江市应急管理局{cfg.departments[dept].name}\n"
            f"department: {dept}\ntype: {kind}\nauthor: [{author}]\n{extra}reviewers:\n" + "\n".join(reviewers)
            + f"\nsummary: {place}{subject}{action}有关情况\n---\n\n"
            + _body(rng, subject, place, action, body_chars) + "\n"
        )
        path = root / "content" / column.id / f"{date:%Y-%m-%d}-item-{i + 1:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成 N 篇稿件的演示门户")
    parser.add_argument("out", type=Path)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        raise SystemExit(f"{args.out} 不是空目录，未做任何修改")
    generate(args.out, args.items, args.seed)
    print(f"已生成 {args.items} 篇稿件：{args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
