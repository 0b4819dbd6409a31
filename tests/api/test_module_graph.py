"""The modules a page's entry imports, found without running them (app/api/module_graph.py)."""

from app.api.module_graph import module_graph


def test_every_static_import_at_any_depth_once_and_no_dynamic_one(tmp_path):
    files = {
        "pages/entry.js": (
            'import { a } from "../lib/a.js";\n'
            "import {\n  b,\n  c,\n} from './b.js';\n"
            'import "../lib/side-effect.js";\n'
            'const later = () => import("../lib/lazy.js");\n'
            '// A comment: "from" alone is not an import.\n'
        ),
        "pages/b.js": 'export { a } from "../lib/a.js";\nexport * from "./c.js";\n',
        "pages/c.js": "export const c = 1;\n",
        "lib/a.js": 'import { b } from "../pages/b.js";\nexport const a = b;\n',
        "lib/side-effect.js": "",
        "lib/lazy.js": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = module_graph("pages/entry.js", tmp_path)
    assert graph == ("lib/a.js", "pages/b.js", "lib/side-effect.js", "pages/c.js")
