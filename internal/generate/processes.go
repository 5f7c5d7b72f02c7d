package generate

import "time"

const (
	hour = time.Hour
	day  = 24 * time.Hour
)

// OrderToCash is a sales process: a customer's order is checked for
// credit, confirmed, picked, packed, shipped, invoiced and paid. Now and
// then the credit check is skipped or comes after the confirmation, the
// customer changes a confirmed order (which is confirmed again), goods
// are picked twice, the invoice goes out before the goods, an express
// delivery is arranged outside the process, and a few orders are
// cancelled. Reminders for late payers are part of the process.
func OrderToCash() *Process {
	return &Process{
		Name:   "procmine order-to-cash (synthetic)",
		CaseID: "SO-%06d",
		Every:  90 * time.Minute,
		Steps: []Step{
			{Activity: "Receive Customer Order", Role: "sales", Work: 10 * time.Minute},
			{Activity: "Check Credit", Role: "credit", Work: 15 * time.Minute, Wait: 3 * hour, Skip: 0.05, Late: 0.05},
			{Activity: "Confirm Order", Role: "sales", Work: 5 * time.Minute, Wait: 2 * hour, Redo: 0.08,
				Fix: &Step{Activity: "Change Order", Role: "sales", Work: 15 * time.Minute, Wait: 36 * hour}},
			{Activity: "Cancel Order", Role: "sales", Work: 10 * time.Minute, Wait: day, Kind: Optional, Skip: 0.96, Ends: true},
			{Activity: "Pick Goods", Role: "warehouse", Work: 30 * time.Minute, Wait: day, Redo: 0.04},
			{Activity: "Pack Goods", Role: "warehouse", Work: 15 * time.Minute, Wait: 2 * hour},
			{Activity: "Arrange Express Delivery", Role: "logistics", Work: 20 * time.Minute, Wait: hour, Kind: Unplanned, Skip: 0.96},
			{Activity: "Ship Goods", Role: "logistics", Work: 20 * time.Minute, Wait: 6 * hour, Late: 0.07},
			{Activity: "Create Invoice", Role: "billing", Wait: 4 * hour},
			{Activity: "Send Payment Reminder", Role: "billing", Wait: 35 * day, Kind: Optional, Skip: 0.75},
			{Activity: "Receive Payment", Role: "bank", Wait: 20 * day},
		},
		Roles: map[string][]string{
			"sales":     {"Pia", "Quentin", "Rosa", "Samir"},
			"credit":    {"Tove", "Ugo"},
			"warehouse": {"Vera", "Wim", "Xenia"},
			"logistics": {"Yusuf", "Zoe"},
			"billing":   {"ERP"},
			"bank":      {"Bank interface"},
		},
		Attrs: []Attribute{
			{Key: "customer", Values: []string{"Acme Retail", "Borealis Foods", "Cobalt Systems", "Delta Outfitters", "Evergreen Hotels", "Fjord Marine", "Granite Works", "Helix Pharma"}},
			{Key: "region", Values: []string{"North", "South", "East", "West"}},
			{Key: "channel", Values: []string{"Web shop", "EDI", "Phone", "Sales rep"}},
			{Key: "order value", Min: 100, Max: 50_000},
		},
		Slow:  0.02,
		Stall: 45 * day,
	}
}

// InvoiceHandling is accounts payable: a supplier's invoice arrives, is
// scanned, checked, matched with its purchase order, approved, posted and
// paid. Now and then an invoice is checked again after the supplier
// corrected it, is paid without a match or without approval, is posted
// before it is approved, or has the supplier's bank details changed on
// the way (what auditors look for). Some invoices are rejected, and some
// wait on a payment block, as the process allows.
func InvoiceHandling() *Process {
	return &Process{
		Name:   "procmine invoice handling (synthetic)",
		CaseID: "INV-%06d",
		Every:  time.Hour,
		Steps: []Step{
			{Activity: "Receive Invoice", Role: "inbox"},
			{Activity: "Scan Invoice", Role: "ocr", Wait: 2 * hour},
			{Activity: "Check Invoice Data", Role: "payables", Work: 10 * time.Minute, Wait: 8 * hour, Redo: 0.1,
				Fix: &Step{Activity: "Request Corrected Invoice", Role: "payables", Work: 10 * time.Minute, Wait: hour}},
			{Activity: "Reject Invoice", Role: "payables", Work: 10 * time.Minute, Wait: 4 * hour, Kind: Optional, Skip: 0.96, Ends: true},
			{Activity: "Match Purchase Order", Role: "payables", Work: 10 * time.Minute, Wait: 6 * hour, Skip: 0.06},
			{Activity: "Approve Invoice", Role: "approver", Work: 5 * time.Minute, Wait: 2 * day, Skip: 0.07, Late: 0.06},
			{Activity: "Post Invoice", Role: "payables", Work: 5 * time.Minute, Wait: 4 * hour},
			{Activity: "Change Vendor Bank Details", Role: "payables", Work: 10 * time.Minute, Wait: day, Kind: Unplanned, Skip: 0.97},
			{Activity: "Clear Payment Block", Role: "payables", Work: 30 * time.Minute, Wait: 2 * day, Kind: Optional, Skip: 0.85},
			{Activity: "Pay Invoice", Role: "payment", Wait: 8 * day},
		},
		Roles: map[string][]string{
			"inbox":    {"Invoice inbox"},
			"ocr":      {"OCR"},
			"payables": {"Amara", "Bjorn", "Carmen", "Dmitri"},
			"approver": {"Esther", "Farid", "Greta", "Hugo", "Ines"},
			"payment":  {"Payment run"},
		},
		Attrs: []Attribute{
			{Key: "supplier", Values: []string{"Nordlicht Office", "Papyrus & Co", "Quantum Cables", "Riverbend Logistics", "Solano Energy", "Tessera IT"}},
			{Key: "channel", Values: []string{"E-mail", "Supplier portal", "Paper"}},
			{Key: "amount", Min: 20, Max: 80_000},
		},
		Slow:  0.02,
		Stall: 40 * day,
	}
}

// ExpenseClaims is an employee's claim for expenses paid out of pocket:
// submitted, approved by the manager, its receipts checked by finance,
// and reimbursed. Now and then a claim goes back to its employee to be
// amended (and is approved again), is reimbursed without the manager's
// approval or before its receipts were checked, waits for a missing
// receipt, or is escalated to a director, which the process does not
// provide for. Some claims are rejected.
func ExpenseClaims() *Process {
	return &Process{
		Name:   "procmine expense claims (synthetic)",
		CaseID: "EC-%06d",
		Every:  2 * time.Hour,
		Steps: []Step{
			{Activity: "Submit Expense Claim", Role: "employee", Work: 15 * time.Minute},
			{Activity: "Reject Expense Claim", Role: "manager", Work: 5 * time.Minute, Wait: day, Kind: Optional, Skip: 0.95, Ends: true},
			{Activity: "Approve Expense Claim", Role: "manager", Work: 5 * time.Minute, Wait: 36 * hour, Skip: 0.06, Redo: 0.12,
				Fix: &Step{Activity: "Amend Expense Claim", Role: "employee", Work: 10 * time.Minute, Wait: day}},
			{Activity: "Approve by Director", Role: "director", Work: 10 * time.Minute, Wait: 3 * day, Kind: Unplanned, Skip: 0.96},
			{Activity: "Check Receipts", Role: "finance", Work: 10 * time.Minute, Wait: 2 * day, Skip: 0.04, Late: 0.06, Redo: 0.08,
				Fix: &Step{Activity: "Request Missing Receipt", Role: "finance", Work: 5 * time.Minute, Wait: hour}},
			{Activity: "Reimburse Employee", Role: "payroll", Wait: 4 * day},
		},
		Roles: map[string][]string{
			"employee": {"Jakob", "Kira", "Luca", "Maya", "Nils", "Olga", "Paulo", "Qiu", "Rania", "Sven", "Tara", "Umar"},
			"manager":  {"Viktor", "Wanda", "Xavier"},
			"director": {"Yara"},
			"finance":  {"Zeno", "Alba"},
			"payroll":  {"Payroll"},
		},
		Attrs: []Attribute{
			{Key: "department", Values: []string{"Sales", "R&D", "Operations", "Finance", "Marketing"}},
			{Key: "expense type", Values: []string{"Travel", "Meals", "Accommodation", "Training", "Equipment"}},
			{Key: "amount", Min: 10, Max: 3_000},
		},
		Slow:  0.02,
		Stall: 30 * day,
	}
}
