"""Portal pages, one module per topic (mirrors connect/api/): views, forms, URLs."""
